"""End to end through lm-eval's real simple_evaluate and CLI, with the tiny models, offline."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np
import pytest

from audiomcq_plugins.audio import SAMPLE_RATE

pytest.importorskip("lm_eval")
pytest.importorskip("transformers")

from audiomcq_plugins.benchmarks.fixtures import write_fixture  # noqa: E402
from audiomcq_plugins.integrations.lm_eval import register, task_manager  # noqa: E402
from audiomcq_plugins.models.tiny import build_tiny_model  # noqa: E402
from tests.bench_helpers import CONTRACT_TASKS  # noqa: E402
from tests.processes import run  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    root = tmp_path_factory.mktemp("e2e")
    data = root / "data"
    for name in CONTRACT_TASKS:
        write_fixture(name, data / name, n=4, max_seconds=0.5)
    text_dir = root / "text_tasks"
    text_dir.mkdir()
    rows = [{"q": f"Is {i} even?", "choices": ["yes", "no"], "label": i % 2} for i in range(4)]
    (text_dir / "toy.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (text_dir / "toy_text.yaml").write_text(
        "task: toy_text\ndataset_path: json\n"
        f"dataset_kwargs:\n  data_files:\n    test: {text_dir / 'toy.jsonl'}\n"
        "test_split: test\noutput_type: multiple_choice\n"
        'doc_to_text: "Question: {{q}}\\nAnswer:"\ndoc_to_choice: "{{choices}}"\n'
        "doc_to_target: label\nmetric_list:\n  - metric: acc\n"
    )
    return {
        "data": data,
        "text_dir": text_dir,
        "qwen2-audio": build_tiny_model("qwen2-audio", root / "qa"),
        "qwen2.5-omni": build_tiny_model("qwen2.5-omni", root / "omni"),
        "root": root,
    }


def _evaluate(env, model, tasks, model_args=None, **kwargs):
    from lm_eval import simple_evaluate

    register()
    manager = task_manager(
        include_path=[str(env["text_dir"])],
        include_defaults=False,
        metadata={"data_dir": str(env["data"])},
    )
    return simple_evaluate(
        model=model,
        model_args=model_args,
        tasks=tasks,
        task_manager=manager,
        gen_kwargs="max_gen_toks=4",
        **kwargs,
    )


def test_every_benchmark_with_the_omni_thinker(env):
    out = _evaluate(
        env,
        "audiomcq-hf",
        [*CONTRACT_TASKS, "audio_mcq_silent"],
        {"pretrained": str(env["qwen2.5-omni"]), "device": "cpu", "batch_size": 4},
    )
    res = out["results"]
    for name in CONTRACT_TASKS:
        assert res[name]["sample_len"] == 4
        if name == "mmau_test":  # answers withheld: predictions only
            assert np.isnan(res[name]["acc,none"])
            continue
        assert 0.0 <= res[name]["acc,none"] <= 1.0 and 0.0 <= res[name]["unparsed,none"] <= 1.0
        assert isinstance(res[name]["acc_stderr,none"], float), res[name]  # not "N/A"
        assert isinstance(res[name]["acc_official_stderr,none"], float), res[name]
        prov = out["configs"][name]["metadata"]["provenance"]
        assert prov["content_hash"] and prov["prompt_format"] and prov["scorer_modes"]
        assert prov["versions"]["audiomcq-plugins"] and "revision" in prov
    assert "acc_task_sound,none" in res["mmau_test_mini"]
    assert "acc_task_sound_stderr,none" in res["mmau_test_mini"]
    assert "acc_modality_sound,none" in res["mmar"]
    assert "acc_audio_contribution_weak,none" in res["audiomcq_synth"]
    assert 0.0 <= res["mmau_pro"]["acc_clips_multi,none"] <= 1.0  # a 3-clip item was heard
    assert "audio_mcq_silent" in res and "acc,none" in res["audio_mcq_silent"]


def test_qwen2_audio_mixes_audio_likelihood_and_text_tasks(env):
    out = _evaluate(
        env,
        "audiomcq-hf",
        ["mmau_test_mini", "mmar_loglik", "toy_text"],
        {"pretrained": str(env["qwen2-audio"]), "device": "cpu", "batch_size": 8},
        log_samples=True,
    )
    res = out["results"]
    assert {"mmau_test_mini", "mmar_loglik", "toy_text"} <= set(res)
    assert 0.0 <= res["toy_text"]["acc,none"] <= 1.0
    assert 0.0 <= res["mmar_loglik"]["acc,none"] <= 1.0
    logged = json.dumps(out["samples"]["mmau_test_mini"], default=str)
    assert '"sha256"' in logged and "array" not in logged


def test_silent_variants_feed_silence_and_normal_ones_the_clip(env):
    from lm_eval.api.registry import register_model

    from audiomcq_plugins.audio import load_audio
    from audiomcq_plugins.integrations.lm_eval.models import AudioLMAdapter

    seen: dict[str, list] = {}

    class Probe:
        def generate(self, reqs, **_):
            for r in reqs:
                seen.setdefault(r.text, []).append(r.resolved().audio)
            return ["<answer>x</answer>"] * len(reqs)

    @register_model("audiomcq-probe")
    class ProbeLM(AudioLMAdapter):
        def __init__(self, **_):
            super().__init__()
            self.backend, self.system_prompt, self.max_new_tokens = Probe(), None, None
            self.model_id = "probe"

    _evaluate(env, "audiomcq-probe", ["audiomcq_synth", "audiomcq_synth_silent"])
    from audiomcq_plugins.benchmarks.spec import load_benchmark

    loaded = load_benchmark("audiomcq_synth", env["data"] / "audiomcq_synth")
    assert len(seen) == 4
    for item in loaded.items:
        prompts = [t for t in seen if item.question in t]
        (normal, silent) = sorted(seen[prompts[0]], key=lambda a: len(a[0]))
        clip = load_audio(item.audio, loaded.data_root, item.id).array
        np.testing.assert_array_equal(normal[0], clip)
        assert len(silent[0]) == 30 * SAMPLE_RATE and not silent[0].any()


def _run(args, env, cwd):
    proc = run(
        [sys.executable, *args],
        cwd=cwd,
        env={
            **os.environ,
            "HF_HUB_OFFLINE": "1",
            "HF_DATASETS_OFFLINE": "1",
            "AUDIOMCQ_CACHE": str(cwd / "audiomcq-cache"),
        },
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def test_cli_audiomcq_eval(env, tmp_path):
    out = tmp_path / "out"
    common = ["--gen_kwargs", "max_gen_toks=4", "--output_path", str(out), "--log_samples"]
    _run(
        [
            "-m",
            "audiomcq_plugins",
            "eval",
            "--data-dir",
            str(env["data"]),
            "--model",
            "audiomcq-hf",
            "--model_args",
            f"pretrained={env['qwen2.5-omni']}",
            "--device",
            "cpu",
            "--tasks",
            "mmsu,toy_text",  # a task not ours: lm-eval's built-ins indexed, through the cache
            "--include_path",
            str(env["text_dir"]),
            "--use_cache",
            str(tmp_path / "cache"),
            *common,
        ],
        env,
        tmp_path,
    )
    results = sorted(Path(out).rglob("results_*.json"))
    assert len(results) == 1
    first = json.loads(results[0].read_text())
    assert {"mmsu", "toy_text"} <= set(first["results"])
    assert first["configs"]["mmsu"]["metadata"]["provenance"]["content_hash"]
    assert isinstance(first["results"]["mmsu"]["acc_stderr,none"], float)
    assert list((tmp_path / "audiomcq-cache" / "lm_eval_index").glob("0.4.13-*.pickle"))
    samples = list(Path(out).rglob("samples_*.jsonl"))
    assert samples and all(p.stat().st_size < 200_000 for p in samples)
    assert list((tmp_path).glob("cache*")), "--use_cache wrote no cache"


def test_cli_audiomcq_eval_runs_the_audio_mcq_suite(env, tmp_path):
    """The suite by its one name: every benchmark from its published layout, each with strict
    and official accuracy, the unparsed rate and its breakdowns, and the group's row."""
    out = tmp_path / "out"
    _run(
        ["-m", "audiomcq_plugins", "eval", "--data-dir", str(env["data"]),
         "--model", "audiomcq-hf", "--model_args", f"pretrained={env['qwen2-audio']}",
         "--device", "cpu", "--batch_size", "4", "--tasks", "audio_mcq_suite",
         "--gen_kwargs", "max_gen_toks=4", "--output_path", str(out)],
        env,
        tmp_path,
    )  # fmt: skip
    (path,) = sorted(Path(out).rglob("results_*.json"))
    results = json.loads(path.read_text())["results"]
    members = ["mmau_test_mini", "mmar", "mmsu", "air_bench_foundation", "mmau_pro"]
    breakdown = {"mmau_test_mini": "acc_task_sound", "mmar": "acc_modality_sound",
                 "mmsu": "acc_category_perception", "air_bench_foundation": "acc_domain_sound",
                 "mmau_pro": "acc_clips_multi"}  # fmt: skip
    for name in members:
        row = results[name]
        for metric in ("acc", "acc_official", "unparsed"):
            value = row[f"{metric},none"]
            # an official script that drops every answer it cannot read (MMSU's, AIR-Bench's)
            # has no items left to average when a tiny model's answers are all unreadable
            dropped = metric == "acc_official" and np.isnan(value)
            assert dropped or 0.0 <= value <= 1.0, (name, metric, row)
            assert isinstance(row[f"{metric}_stderr,none"], float), (name, metric, row)
        assert f"{breakdown[name]},none" in row, (name, sorted(row))
    assert 0.0 <= results["audio_mcq_suite"]["acc,none"] <= 1.0
