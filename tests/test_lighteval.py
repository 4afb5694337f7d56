"""The lighteval integration, offline: the task table, the version guard and the offline
registry fix, then lighteval's real Pipeline and real CLI (subprocess) with the tiny models on
fixtures of every benchmark."""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
import types
from pathlib import Path

import pytest

pytest.importorskip("lighteval", reason="lighteval is not installed (pip install -e '.[dev]')")
pytest.importorskip("transformers")

from audiomcq_plugins.benchmarks.fixtures import write_fixture  # noqa: E402
from audiomcq_plugins.integrations import lighteval as lv  # noqa: E402
from audiomcq_plugins.integrations.lighteval import compat  # noqa: E402
from audiomcq_plugins.integrations.lighteval.model import (  # noqa: E402
    AudioMCQModel,
    AudioMCQModelConfig,
)
from audiomcq_plugins.models.tiny import build_tiny_model  # noqa: E402
from audiomcq_plugins.tasks import task_defs  # noqa: E402
from tests.bench_helpers import CONTRACT_TASKS  # noqa: E402
from tests.processes import run  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OFFLINE = {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "OMP_NUM_THREADS": "1"}

TOY_TASKS = """
from lighteval.metrics.metrics import Metrics
from lighteval.tasks.lighteval_task import LightevalTaskConfig
from lighteval.tasks.requests import Doc


def toy_prompt(line, task_name):
    return Doc(query=f"Question: {line['q']}\\nAnswer:", choices=[" yes", " no"],
               gold_index=line["label"])


TASKS_TABLE = [
    LightevalTaskConfig(name="toy_text", prompt_function=toy_prompt, hf_repo=DATA,
                        hf_subset="default", hf_avail_splits=["test"],
                        evaluation_splits=["test"], metrics=[Metrics.loglikelihood_acc])
]
"""


def _pipeline(tasks, model, data, out, module=None):
    from lighteval.logging.evaluation_tracker import EvaluationTracker
    from lighteval.pipeline import ParallelismManager, Pipeline, PipelineParameters

    if module is None:
        module = types.ModuleType("audio_tasks")
        module.TASKS_TABLE = lv.tasks_table(data_dir=str(data))
    params = PipelineParameters(
        launcher_type=ParallelismManager.CUSTOM, custom_tasks_directory=module
    )
    tracker = EvaluationTracker(output_dir=str(out), save_details=True)
    pipeline = Pipeline(
        tasks=tasks, pipeline_parameters=params, evaluation_tracker=tracker, model=model
    )
    pipeline.evaluate()
    return pipeline


def _nan_equal(a, b) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b)


# -- fast ------------------------------------------------------------------------------------


def test_table_has_the_lm_eval_task_names():
    yaml_tasks = {
        m.group(1)
        for p in (ROOT / "audiomcq_plugins" / "task_configs").glob("*.yaml")
        if (m := re.search(r"^task: (\S+)$", p.read_text(), re.M))
    }
    names = [c.name for c in lv.TASKS_TABLE]
    assert len(names) == len(set(names))
    assert set(names) == {t.name for t in task_defs()} == yaml_tasks
    assert {"mmau_test_mini", "mmar_silent", "mmsu_loglik", "mmar_circular"} <= set(names)
    config = next(c for c in lv.TASKS_TABLE if c.name == "mmar")
    assert config.options["audio"] == "clip" and config.options["breakdowns"]["modality"]


def test_a_plugin_benchmark_gets_lighteval_tasks(sample_plugin_site):
    names = {c.name for c in lv.tasks_table()}
    assert {"sample_birdsong", "sample_birdsong_silent"} <= names


def test_untested_versions_are_refused_with_what_to_install(monkeypatch):
    monkeypatch.setattr(compat, "installed_version", lambda *a: "0.14.2")
    with pytest.raises(
        compat.UnsupportedLightevalVersion,
        match=r"tested with lighteval 0\.13\.0, but lighteval 0\.14\.2",
    ):
        compat.check_versions()
    monkeypatch.setattr(compat, "installed_version", lambda *a: "0.13.0")
    monkeypatch.setattr(compat, "version", lambda d: "2.1.0")
    with pytest.raises(
        compat.UnsupportedLightevalVersion,
        match=r"huggingface_hub>=0\.30\.2,<2, but huggingface_hub 2\.1\.0",
    ):
        compat.check_versions()


def test_the_cli_reports_an_untested_version_in_one_line(monkeypatch, capsys):
    from audiomcq_plugins.cli import main

    monkeypatch.setattr(compat, "installed_version", lambda *a: "0.15.0")
    assert main(["lighteval", "tasks", "list"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("audiomcq: error: ") and "lighteval==0.13.0" in err
    assert "Traceback" not in err


def test_a_builtin_task_module_failing_at_import_is_skipped(tmp_path, monkeypatch, caplog):
    from lighteval.tasks.registry import Registry

    compat.install()
    pkg = tmp_path / "fake_suite"
    (pkg / "tasks").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "tasks" / "__init__.py").write_text("")
    (pkg / "tasks" / "downloads.py").write_text(
        "raise ConnectionError('Failed to resolve raw.githubusercontent.com')\n"
    )
    (pkg / "tasks" / "fine.py").write_text(
        "from types import SimpleNamespace\nTASKS_TABLE = [SimpleNamespace(name='fine')]\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    files = sorted((pkg / "tasks").glob("[!_]*.py"))
    configs = Registry._load_from_files(files, "fake_suite.tasks")
    assert list(configs) == ["fine"]
    assert "fake_suite.tasks.downloads skipped (ConnectionError" in caplog.text


def test_lighteval_leaves_autograd_on():
    import torch

    compat.install()
    from lighteval.pipeline import Pipeline  # noqa: F401  (imports its transformers model)

    assert torch.is_grad_enabled()


def test_model_file_holds_one_lighteval_model():
    from lighteval.models.abstract_model import LightevalModel

    proc = subprocess.run(
        [sys.executable, "-m", "audiomcq_plugins", "lighteval-model-file"],
        capture_output=True,
        text=True,
        check=True,
    )
    path = Path(proc.stdout.strip())
    assert path == lv.MODEL_FILE and path.is_file()
    namespace: dict = {}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    models = [
        v
        for v in namespace.values()
        if isinstance(v, type) and issubclass(v, LightevalModel) and v is not LightevalModel
    ]
    assert models == [AudioMCQModel]


def test_model_args_in_the_custom_model_name():
    config = AudioMCQModelConfig.from_args("pretrained=/m/omni,batch_size=4,dtype=bfloat16")
    assert (config.model_name, config.batch_size, config.dtype) == ("/m/omni", 4, "bfloat16")
    assert (
        AudioMCQModelConfig.from_args("Qwen/Qwen2.5-Omni-7B").model_name == "Qwen/Qwen2.5-Omni-7B"
    )


# -- end to end ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    root = tmp_path_factory.mktemp("lighteval")
    data = root / "data"
    for name in CONTRACT_TASKS:
        write_fixture(name, data / name, n=4, max_seconds=0.5)
    return {"root": root, "data": data, "omni": build_tiny_model("qwen2.5-omni", root / "omni")}


def _model(env, **kwargs):
    settings = {
        "device": "cpu",
        "batch_size": 4,
        "max_new_tokens": 4,
        "cache_dir": str(env["root"] / "cache"),
        **kwargs,
    }
    return AudioMCQModel(AudioMCQModelConfig(model_name=str(env["omni"]), **settings))


@pytest.mark.slow
def test_pipeline_every_benchmark_then_from_the_sample_cache(env, tmp_path):
    tasks = [*CONTRACT_TASKS, "mmau_test_mini_silent", "mmar_loglik"]
    spec = ",".join(f"{t}|0" for t in tasks)
    pipeline = _pipeline(spec, _model(env), env["data"], tmp_path / "out")
    results = pipeline.get_results()
    res = results["results"]
    for name in CONTRACT_TASKS:
        metrics = res[f"{name}:0"]  # get_results() writes "task|k" as "task:k"
        if name == "mmau_test":  # answers withheld: predictions only
            assert math.isnan(metrics["acc"])
            continue
        assert 0 <= metrics["acc"] <= 1 and 0 <= metrics["unparsed"] <= 1
        assert "acc_official" in metrics
        prov = results["config_tasks"][f"{name}:0"].provenance
        assert prov["content_hash"] and prov["n_items"] == 4 and prov["versions"]["lighteval"]
    assert "acc_task_sound" in res["mmau_test_mini:0"]
    assert "acc_modality_sound" in res["mmar:0"]
    assert "acc_audio_contribution_weak" in res["audiomcq_synth:0"]
    assert 0 <= res["mmar_loglik:0"]["acc"] <= 1 and "acc_norm" in res["mmar_loglik:0"]

    details = pipeline.get_details()
    for detail in details["mmau_test_mini_silent|0"]:
        (ref,) = detail.doc.specific["audio"]
        assert ref["silence_seconds"] == 30.0 and "path" not in ref
    for detail in details["mmar|0"]:
        (ref,) = detail.doc.specific["audio"]
        assert len(ref["sha256"]) == 64 and Path(ref["path"]).is_file()
    pipeline.save_and_push_results()
    parquets = list((tmp_path / "out").rglob("details_*.parquet"))
    assert len(parquets) == len(tasks) and all(p.stat().st_size < 100_000 for p in parquets)

    # Same model settings, same tasks: every answer comes from lighteval's sample cache.
    cached = _model(env)

    def refuse(*args, **kwargs):
        raise AssertionError("the backend ran although every sample is cached")

    cached.backend.generate = cached.backend.loglikelihood = refuse
    again = _pipeline(spec, cached, env["data"], tmp_path / "again").get_results()["results"]
    for task, metrics in res.items():
        for key, value in metrics.items():
            assert _nan_equal(value, again[task][key]), (task, key)


@pytest.mark.slow
def test_a_plugin_benchmark_through_the_pipeline(env, sample_plugin_site, tmp_path):
    from tests.bench_helpers import write_birds

    data = tmp_path / "data"
    write_birds(data / "sample_birdsong")
    module = types.ModuleType("plugin_tasks")
    module.TASKS_TABLE = lv.tasks_table(data_dir=str(data))
    pipeline = _pipeline(
        "sample_birdsong|0,sample_birdsong_silent|0",
        _model(env),
        data,
        tmp_path / "out",
        module=module,
    )
    res = pipeline.get_results()["results"]
    for task in ("sample_birdsong:0", "sample_birdsong_silent:0"):
        assert 0 <= res[task]["acc"] <= 1 and 0 <= res[task]["unparsed"] <= 1


@pytest.mark.slow
def test_cli_mixes_audio_likelihood_and_a_local_text_task(env, tmp_path):
    text_data = tmp_path / "toy"
    text_data.mkdir()
    rows = [{"q": f"Is {i} even?", "label": i % 2} for i in range(4)]
    (text_data / "test.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (tmp_path / "toy_tasks.py").write_text(f"DATA = {str(text_data)!r}\n" + TOY_TASKS)
    out = tmp_path / "out"
    model_args = f"pretrained={env['omni']},device=cpu,batch_size=4,max_new_tokens=4"
    proc = run(
        [
            sys.executable,
            "-m",
            "audiomcq_plugins",
            "lighteval",
            "--data-dir",
            str(env["data"]),
            "custom",
            model_args,
            str(lv.MODEL_FILE),
            "mmsu|0,mmar_loglik|0,toy_text|0",
            "--custom-tasks",
            str(tmp_path / "toy_tasks.py"),
            "--output-dir",
            str(out),
            "--save-details",
        ],
        cwd=tmp_path,
        timeout=300,
        env={**os.environ, **OFFLINE, "AUDIOMCQ_DATA_DIR": str(tmp_path / "nowhere")},
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    (results_file,) = out.rglob("results_*.json")
    res = json.loads(results_file.read_text())["results"]
    assert 0 <= res["toy_text|0"]["acc"] <= 1
    assert 0 <= res["mmar_loglik|0"]["acc"] <= 1
    assert {"acc", "acc_official", "unparsed", "acc_category_perception"} <= set(res["mmsu|0"])
    assert len(list(out.rglob("details_*.parquet"))) == 3


# -- parity with lm-eval ---------------------------------------------------------------------

PARITY_TASKS = ("mmau_test_mini", "mmar", "mmsu")
REPLIES = (
    "<answer>{a}</answer>",
    "The answer is {b}.",
    "I cannot tell.",
    "B",
    "(A) {b}",
    "no idea",
)


class ScriptedBackend:
    """Answers from the audio's hash: right, wrong, lettered, unparseable, ... so the
    strict / official / breakdown numbers are not all zero."""

    def __init__(self, rows):
        self.rows = rows  # prompt -> row, to know the options

    def generate(self, reqs, **kwargs):
        import hashlib

        out = []
        for r in reqs:
            row = self.rows[r.text]
            clip = r.resolved().audio[0]  # backends decode clips where they need samples
            h = int(hashlib.sha256(clip.tobytes() + r.text.encode()).hexdigest(), 16)
            choices = row["choices"]
            out.append(
                REPLIES[h % len(REPLIES)].format(a=row["answer"], b=choices[h % len(choices)])
            )
        return out


def _metrics_equal(lm_res, lv_res, names):
    for task in PARITY_TASKS:
        for name in names[task]:
            assert _nan_equal(lm_res[task][f"{name},none"], lv_res[f"{task}:0"][name]), (task, name)


@pytest.mark.slow
def test_same_predictions_and_numbers_as_lm_eval(env, tmp_path):
    pytest.importorskip("lm_eval")
    from lm_eval import simple_evaluate
    from lm_eval.api.registry import register_model

    from audiomcq_plugins import task_docs
    from audiomcq_plugins.integrations.lm_eval import register, task_manager
    from audiomcq_plugins.integrations.lm_eval.models import AudioLMAdapter

    register()
    manager = task_manager(include_defaults=False, metadata={"data_dir": str(env["data"])})
    spec = ",".join(f"{t}|0" for t in PARITY_TASKS)

    # 1. The tiny model: the same prediction for every item.
    lm_out = simple_evaluate(
        model="audiomcq-hf",
        model_args={
            "pretrained": str(env["omni"]),
            "device": "cpu",
            "batch_size": 1,
            "max_new_tokens": 4,
        },
        tasks=list(PARITY_TASKS),
        task_manager=manager,
        log_samples=True,
    )
    pipeline = _pipeline(
        spec,
        _model(env, batch_size=1, cache_dir=str(tmp_path / "c")),
        env["data"],
        tmp_path / "out",
    )
    details = pipeline.get_details()
    names = {}
    for task in PARITY_TASKS:
        lm_pred = {s["doc"]["id"]: s["resps"][0][0] for s in lm_out["samples"][task]}
        lv_pred = {d.doc.specific["id"]: d.model_response.text[0] for d in details[f"{task}|0"]}
        assert lm_pred == lv_pred and len(lv_pred) == 4
        names[task] = task_docs.metric_names(
            json.loads(details[f"{task}|0"][0].doc.specific["row"]["settings"])["breakdowns"]
        )
    _metrics_equal(lm_out["results"], pipeline.get_results()["results"], names)

    # 2. Scripted answers (right, wrong, unparseable): the same non-trivial numbers.
    rows = {}
    for task in PARITY_TASKS:
        for d in details[f"{task}|0"]:
            rows[d.doc.specific["row"]["prompt"]] = d.doc.specific["row"]
    backend = ScriptedBackend(rows)

    @register_model("audiomcq-scripted")
    class Scripted(AudioLMAdapter):
        def __init__(self, **_):
            super().__init__()
            self.backend, self.system_prompt, self.max_new_tokens = backend, None, None
            self.model_id = "scripted"

    lm_res = simple_evaluate(
        model="audiomcq-scripted", tasks=list(PARITY_TASKS), task_manager=manager
    )["results"]
    config = AudioMCQModelConfig(model_name="scripted", cache_dir=str(tmp_path / "c2"))
    lv_res = _pipeline(
        spec, AudioMCQModel(config, backend=backend), env["data"], tmp_path / "out2"
    ).get_results()["results"]
    _metrics_equal(lm_res, lv_res, names)
    accs = [lv_res[f"{t}:0"]["acc"] for t in PARITY_TASKS]
    unparsed = [lv_res[f"{t}:0"]["unparsed"] for t in PARITY_TASKS]
    assert any(0 < a < 1 for a in accs) and any(u > 0 for u in unparsed), (accs, unparsed)
