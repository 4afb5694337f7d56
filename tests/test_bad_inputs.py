"""The bad-input matrix: every command x every kind of bad input ends in one clear error
(status 1 or 2, the culprit named, no traceback) or the right result. Grows with each command.

In-process through ``audiomcq_plugins.cli.main`` (``lighteval`` in a process of its own, as its
logging outlives one call); interruptions are in ``test_interrupts.py``.
"""

from __future__ import annotations

import json
import os
import re
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audiomcq_plugins.benchmarks.fixtures import write_fixture
from audiomcq_plugins.cli import main
from tests.processes import run


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.delenv("AUDIOMCQ_DATA_DIR", raising=False)


def _one_clear_error(capsys, rc: int, *patterns: str) -> str:
    """Assert a non-zero status and a stderr without traceback matching every pattern."""
    err = capsys.readouterr().err
    assert rc != 0, err
    assert "Traceback" not in err, err
    for pattern in patterns:
        assert re.search(pattern, err, re.S), err
    return err


# --- eval: checked before the model loads ------------------------------------------------


def test_eval_nonexistent_model_path_is_one_line(capsys):
    rc = main(["eval", "--model", "audiomcq-hf", "--model_args", "pretrained=/nonexistent/x",
               "--tasks", "mmau_test_mini"])  # fmt: skip
    err = _one_clear_error(capsys, rc, r"pretrained=/nonexistent/x: no such directory")
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("model", "model_args", "pattern"),
    [
        ("audiomcq-hf", "pretrained=/nonexistent/x,max_new_token=8",
         r"'max_new_token' \(did you mean 'max_new_tokens'\?\)"),
        ("audiomcq-hf", "pretrained=/nonexistent/x,prefetch=false",
         r"'prefetch' \(did you mean 'prefetch_encoder'\?\)"),
        ("audiomcq-api", "base_url=http://127.0.0.1:9/v1,model=m,num_concurent=16",
         r"'num_concurent' \(did you mean 'num_concurrent'\?\)"),
    ],
)  # fmt: skip
def test_eval_mistyped_model_argument_is_one_line(model, model_args, pattern, capsys):
    rc = main(["eval", "--model", model, "--model_args", model_args, "--tasks", "mmar"])
    err = _one_clear_error(
        capsys, rc, r"^audiomcq: error: --model \S+ --model_args: unknown", pattern
    )
    assert len(err.strip().splitlines()) == 1, err


def test_model_arguments_are_checked_by_the_classes_too():
    """The Python API (simple_evaluate) gets the same errors as the CLI."""
    pytest.importorskip("lm_eval")
    from audiomcq_plugins.integrations.lm_eval.models import AudioMCQAPI, AudioMCQHF

    with pytest.raises(ValueError, match=r"audiomcq-hf: unknown argument 'max_new_token'"):
        AudioMCQHF(pretrained="/nonexistent", max_new_token=8)
    with pytest.raises(ValueError, match=r"batch_size='auto' is not supported.*give a number"):
        AudioMCQHF(pretrained="/nonexistent", batch_size="auto")
    with pytest.raises(ValueError, match=r"'num_concurent' \(did you mean 'num_concurrent'"):
        AudioMCQAPI(base_url="http://127.0.0.1:9/v1", model="m", num_concurent=16)
    with pytest.raises(ValueError, match=r"prefetch_encoder='maybe': expected true or false"):
        AudioMCQHF(pretrained="/nonexistent", prefetch_encoder="maybe")


def test_lighteval_model_arguments_are_checked_by_name():
    pytest.importorskip("lighteval")
    from audiomcq_plugins.integrations.lighteval.model import AudioMCQModelConfig

    with pytest.raises(ValueError, match=r"'max_new_token' \(did you mean 'max_new_tokens'"):
        AudioMCQModelConfig.from_args("pretrained=/x,max_new_token=8")
    assert AudioMCQModelConfig.from_args("pretrained=/x,max_new_tokens=8").max_new_tokens == 8


def test_eval_missing_data_is_reported_before_the_model_loads(tmp_path, capsys):
    # pretrained names an existing directory holding no model: had the model loaded first,
    # the error would be about the checkpoint, not the data.
    (tmp_path / "model").mkdir()
    model_args = f"pretrained={tmp_path / 'model'}"
    rc = main(["eval", "--data-dir", str(tmp_path / "nodata"), "--model", "audiomcq-hf",
               "--model_args", model_args, "--tasks", "mmau_test_mini"])  # fmt: skip
    _one_clear_error(capsys, rc, r"mmau_test_mini: data not found", r"--data-dir DIR")


# --- audio: hostile headers are bounded --------------------------------------------------


def _wav(path, seconds: float, sr: int):
    import numpy as np

    from audiomcq_plugins.benchmarks.fixtures import wav_bytes

    path.write_bytes(wav_bytes(np.zeros(int(seconds * 16_000), dtype=np.float32), sr=sr))
    return path


@pytest.mark.parametrize("sr", [1, 100, 3_999])
def test_absurd_sample_rate_is_refused_before_decoding(sr, tmp_path):
    from audiomcq_plugins.audio import AudioError, decode

    path = _wav(tmp_path / "evil.wav", 1.0, sr)  # 32 KB declaring 16,000 s at 1 Hz
    with pytest.raises(AudioError, match=rf"evil\.wav.*sample rate of {sr} Hz"):
        decode(path, item_id="x1")
    with pytest.raises(AudioError, match=rf"sample rate of {sr} Hz"):
        decode(path.read_bytes())


def test_decoded_length_is_capped(tmp_path, monkeypatch):
    from audiomcq_plugins import audio

    monkeypatch.setattr(audio, "MAX_SECONDS", 1)
    path = _wav(tmp_path / "long.wav", 2.0, 16_000)
    with pytest.raises(audio.AudioError, match=r"long\.wav.*declares 2 s of audio \(over 1 s\)"):
        audio.decode(path)
    assert audio.decode(_wav(tmp_path / "ok.wav", 0.5, 8_000)).duration == pytest.approx(1.0)


# --- score / validate / prepare: files ---------------------------------------------------

ITEM = {"id": "a", "choices": ["Man", "Woman"], "answer": "Man", "model_output": "Man"}
BINARY = bytes(range(256)) * 4


@pytest.mark.parametrize(
    ("argv", "content", "patterns"),
    [
        (["score", "{f}", "--benchmark", "mmua"], json.dumps([ITEM]), [r"Did you mean.*'mmau'"]),
        (["score", "{f}", "--benchmark", "mmau"], BINARY, [r"p\.json: not UTF-8 text"]),
        (["score", "{f}", "--benchmark", "mmau"], json.dumps([dict(ITEM, choices=["Man"])]),
         [r"id 'a'.*1 option\(s\); a multiple-choice item has 2 to 8"]),
        (["score", "{f}", "--benchmark", "mmau"],
         json.dumps([dict(ITEM, choices=[str(i) for i in range(9)], answer="1")]),
         [r"9 option\(s\)"]),
        (["score", "{f}", "--benchmark", "mmau"],
         json.dumps([ITEM, dict(ITEM, id="b", answer="Dog")]),
         [r"1 item\(s\) have an answer that is none of their choices: .*id 'b'.*'Dog'",
          r"--mode official"]),
        (["score", "{f}", "--benchmark", "mmsu"],
         json.dumps([{"id": "m", "choice_a": "x", "choice_b": "y", "answer_gt": "z",
                      "response": "A"}]),
         [r"id 'm'.*answer 'z'"]),
        (["validate", "{f}"], "", [r"p\.json: no items"]),
        (["validate", "{f}", "--strict"], "\n", [r"no items"]),
        (["validate", "{f}"], BINARY, [r"p\.json: not UTF-8"]),
        (["validate", "{f}"], json.dumps([ITEM]), [r"source metadata.*audiomcq prepare"]),
        (["prepare", "mmar", "--source", "{f}", "--out", "{d}"], BINARY, [r"p\.json: not UTF-8"]),
        (["prepare", "mmar", "--source", "{f}", "--out", "{d}"], "hello\n", [r"p\.json:1"]),
    ],
)  # fmt: skip
def test_bad_file_is_one_clear_error(argv, content, patterns, tmp_path, capsys):
    path = tmp_path / "p.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    argv = [a.format(f=path, d=tmp_path / "out") for a in argv]
    _one_clear_error(capsys, main(argv), *patterns)


def test_official_mode_scores_answer_outside_choices_as_the_script_does_with_a_warning(
    tmp_path, capsys
):
    path = tmp_path / "p.json"
    outside = dict(ITEM, id="b", answer="Dog", model_output="Dog")  # the script's text match
    path.write_text(json.dumps([ITEM, outside]))
    assert main(["score", str(path), "--benchmark", "mmau", "--mode", "official", "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["correct"] == 2
    assert re.fullmatch(
        r"audiomcq score: warning: 1 item\(s\) have an answer that is none of their choices: "
        r"record 2 \(id 'b'\).*scored as the official script does \(by text match\)\n",
        captured.err,
    ), captured.err


def test_benchmark_name_is_case_insensitive(tmp_path, capsys):
    path = tmp_path / "p.json"
    path.write_text(json.dumps([ITEM]))
    assert main(["score", str(path), "--benchmark", "MMAU", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["accuracy"] == 1.0


def test_hostile_clip_in_prepare_names_item_and_file(tmp_path, capsys):
    src = write_fixture("mmar", tmp_path / "src", n=3)
    clip = sorted(src.rglob("*.wav"))[0]
    _wav(clip, 1.0, 1)
    rc = main(["prepare", "mmar", "--source", str(src), "--out", str(tmp_path / "out"),
               "--workers", "1", "--no-progress"])  # fmt: skip
    _one_clear_error(capsys, rc, rf"{clip.name}.*sample rate of 1 Hz")


# --- property-based: any text is a result or one clear error ------------------------------


_records = st.lists(
    st.dictionaries(
        st.sampled_from(["id", "choices", "answer", "model_output", "answer_prediction"]),
        st.one_of(st.text(max_size=8), st.lists(st.text(max_size=5), max_size=10), st.none(),
                  st.integers()),
    ),
    max_size=5,
)  # fmt: skip
_texts = st.one_of(st.text(max_size=200), _records.map(json.dumps))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=_texts, command=st.sampled_from(["score-strict", "score-official", "validate"]))
def test_any_text_is_a_result_or_one_clear_error(text, command, tmp_path_factory, capsys):
    path = tmp_path_factory.mktemp("h") / "p.jsonl"
    path.write_text(text, encoding="utf-8")
    if command == "validate":
        argv = ["validate", str(path), "--skip-audio"]
    else:
        argv = ["score", str(path), "--benchmark", "mmau", "--mode", command.split("-")[1]]
    rc = main(argv)  # a traceback here fails the test
    err = capsys.readouterr().err
    assert rc in (0, 1, 2)
    if rc == 2:
        assert err.startswith("audiomcq: error: ") and len(err.strip().splitlines()) == 1, err


# --- train: rewards -----------------------------------------------------------------------


def test_dotted_reward_does_not_import_from_the_working_directory(tmp_path, monkeypatch):
    pytest.importorskip("trl")
    from audiomcq_plugins.integrations.trl.grpo import resolve_reward

    (tmp_path / "my_rewards_rel.py").write_text("def f(completions, **kw):\n    return [1.0]\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match=r"my_rewards_rel\.f.*PYTHONPATH=\."):
        resolve_reward("my_rewards_rel.f")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert resolve_reward("my_rewards_rel.f")(["c"]) == [1.0]


def _grpo_recipe(tmp_path, **overrides):
    yaml = pytest.importorskip("yaml")
    from tests.trl_fixtures import tiny_checkpoint, trl_data

    config = {
        "model_name_or_path": str(tiny_checkpoint("qwen2.5-omni")),
        "dataset_name": str(trl_data(tmp_path / "data") / "grpo" / "mixed"),
        "reward_funcs": ["accuracy"],
        "num_generations": 2,
        "per_device_train_batch_size": 4,
        "max_completion_length": 4,
        "max_steps": 1,
        "use_cpu": True,
        "report_to": "none",
        "output_dir": str(tmp_path / "out"),
    }
    path = tmp_path / "recipe.yaml"
    config.update(overrides)
    path.write_text(yaml.safe_dump({k: v for k, v in config.items() if v is not None}))
    return path


@pytest.mark.parametrize(
    ("stage", "overrides", "extra", "patterns"),
    [
        ("grpo", {"reward_funcs": ["accuracyy"]}, [],
         [r"reward_funcs: unknown reward 'accuracyy'\. Did you mean 'accuracy'"]),
        ("grpo", {"reward_funcs": ["audiomcq_plugins.integrations.trl.rewards.accuracyy_reward"]},
         [], [r"'accuracyy_reward' is not in .*Did you mean 'accuracy_reward'"]),
        ("grpo", {"learning_rat": 1e-3}, [],
         [r"unknown recipe key 'learning_rat'.*did you mean 'learning_rate'"]),
        ("sft", {"num_train_epoch": 2}, [],
         [r"train sft: unknown recipe key 'num_train_epoch'.*'num_train_epochs'"]),
        ("grpo", {}, ["--max_stpes", "2"], [r"unknown flag 'max_stpes'.*'max_steps'"]),
    ],
)  # fmt: skip
@pytest.mark.usefixtures("tiny_checkpoints")  # built before, not inside, the captured output
def test_train_argument_mistake_is_one_line_before_launch(
    stage, overrides, extra, patterns, tmp_path, capsys, monkeypatch
):
    """No process is launched: a typo is reported instead of accelerate's usage or tracebacks."""
    pytest.importorskip("trl")
    import accelerate.commands.launch as launch

    recipe = _grpo_recipe(tmp_path, **overrides)
    if stage == "sft":  # GRPO-only keys would be (rightly) refused first
        grpo_only = dict.fromkeys(["reward_funcs", "num_generations", "max_completion_length"])
        recipe = _grpo_recipe(tmp_path, **grpo_only, **overrides)
    monkeypatch.setattr(launch, "launch_command", lambda args: pytest.fail("launched"))
    rc = main(["train", stage, "--config", str(recipe), *extra])
    err = _one_clear_error(capsys, rc, r"^audiomcq: error: train ", *patterns)
    assert len([line for line in err.splitlines() if "audiomcq" in line]) == 1, err


@pytest.mark.slow
@pytest.mark.usefixtures("tiny_checkpoints")
def test_literal_trl_grpo_reward_typo_names_our_rewards(tmp_path):
    """TRL resolves the dotted path itself (its own traceback); the message names ours."""
    pytest.importorskip("trl")
    import sys

    from tests.trl_fixtures import subprocess_env

    bad = "audiomcq_plugins.integrations.trl.rewards.acuracy_reward"
    recipe = _grpo_recipe(tmp_path, reward_funcs=[bad])
    proc = run(
        [sys.executable, "-m", "trl.cli.main", "grpo", "--config", str(recipe)],
        cwd=tmp_path,
        env=subprocess_env(),
        timeout=300,
    )
    assert proc.returncode != 0
    assert re.search(
        r"AttributeError: reward 'acuracy_reward' is not in audiomcq_plugins\.integrations\.trl"
        r"\.rewards\. Did you mean 'accuracy_reward'.*Its rewards: accuracy_reward, format_reward",
        proc.stderr,
    ), proc.stderr[-3000:]


# --- missing optional dependencies: the extra and the pip line, no traceback ---------------

_BLOCKER = """
import os, sys

_BLOCKED = tuple(n for n in os.environ["AUDIOMCQ_TEST_BLOCK"].split(",") if n)

class _Block:  # as if the modules were not installed
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in _BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, _Block())
"""


def _without_modules(tmp_path, modules: str, argv: list[str]):
    import os
    import sys
    from pathlib import Path

    hook = tmp_path / "hook"
    hook.mkdir(exist_ok=True)
    (hook / "sitecustomize.py").write_text(_BLOCKER)
    root = str(Path(__file__).resolve().parents[1])
    env = dict(os.environ, AUDIOMCQ_TEST_BLOCK=modules, HF_HUB_OFFLINE="1")
    env["PYTHONPATH"] = os.pathsep.join([str(hook), root])
    return run(
        [sys.executable, "-m", "audiomcq_plugins", *argv], cwd=tmp_path, env=env, timeout=300
    )


@pytest.mark.parametrize(
    ("modules", "argv", "extra"),
    [
        ("lm_eval", ["eval", "--help"], "lm-eval"),
        ("torch", ["eval", "--model", "audiomcq-hf", "--tasks", "arc_easy"], "lm-eval"),
        ("torch", ["tiny-model", "--out", "m"], "hf"),
        ("trl", ["train", "grpo", "--config", "r.yaml"], "trl"),
        ("matplotlib", ["report", "results", "--out", "r"], "plots"),
    ],
)  # fmt: skip
def test_missing_extra_names_it_and_the_pip_line(modules, argv, extra, tmp_path):
    proc = _without_modules(tmp_path, modules, argv)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    line = (
        rf"^audiomcq: error: `audiomcq {argv[0]}` needs the optional dependency "
        rf"'{modules}' \(extra '{extra}'\), which is not installed: "
        rf"pip install 'audiomcq-plugins\[{extra}\]'$"
    )
    assert re.match(line, proc.stderr.strip()), proc.stderr


def test_help_lists_installed_extras_and_works_without_them(tmp_path):
    proc = _without_modules(tmp_path, "torch,matplotlib", ["--help"])
    assert proc.returncode == 0, proc.stderr
    text = " ".join(proc.stdout.split())
    assert re.search(r"optional extras installed: data; not installed: hf, .*plots", text), text


# --- Hub downloads: only the loader's files, at the pinned revision --------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("mmau_test_mini", ["mmau-test-mini.json", "test-mini-audios/*"]),
        ("mmar", ["MMAR-meta.jsonl", "audio/*"]),
        ("dcase2026_task5_dev", ["dev.jsonl", "dev_audios/*"]),
        ("mmsu", ["*.parquet", "data/*.parquet"]),
    ],
)
def test_hub_download_fetches_only_the_loaders_files(name, expected, tmp_path, monkeypatch):
    import dataclasses

    import huggingface_hub

    from audiomcq_plugins.benchmarks.spec import get_spec

    calls = []

    def snapshot_download(**kwargs):
        calls.append(kwargs)
        return str(write_fixture(name, tmp_path / "snap", n=2))

    monkeypatch.setattr(huggingface_hub, "snapshot_download", snapshot_download)
    monkeypatch.delenv("HF_HUB_OFFLINE")
    spec = get_spec(name)
    assert len(spec.load(hub=True).items) == 2
    (call,) = calls
    assert call["repo_id"] == spec.hub_id and call["repo_type"] == "dataset"
    assert call["revision"] is None  # no Hub commit is recorded for the built-ins
    assert set(expected) <= set(call["allow_patterns"])
    assert all(p in spec.metadata or "audio" in p for p in call["allow_patterns"])
    pinned = dataclasses.replace(spec, hub_revision="0123abc")
    pinned.load(hub=True)
    assert calls[-1]["revision"] == "0123abc"


def test_every_shipped_recipe_passes_the_pre_launch_checks(monkeypatch):
    """No false alarm: the checks accept every recipe we ship (GPU recipes with --use_cpu)."""
    import yaml

    pytest.importorskip("trl")
    import importlib
    from pathlib import Path

    from accelerate.commands.launch import launch_command_parser

    from audiomcq_plugins.cli.train_checks import check_rewards, check_unknown_keys

    recipes = Path(__file__).resolve().parents[1] / "audiomcq_plugins" / "trl_recipes"
    paths = [p for p in sorted(recipes.rglob("*.yaml")) if p.parent.name != "accelerate"]
    assert len(paths) >= 10
    for path in paths:
        stage = "grpo" if "grpo" in path.name else "sft"
        for key in yaml.safe_load(path.read_text()).get("env") or {}:
            monkeypatch.setenv(key, "")  # TRL's parser exports a recipe's env: block
        parser = importlib.import_module(f"audiomcq_plugins.integrations.trl.{stage}").make_parser()
        argv = ["--config", str(path), "--use_cpu", "--bf16", "false"]
        parsed = parser.parse_args_and_config(
            argv, return_remaining_strings=True, separate_remaining_strings=True
        )
        check_unknown_keys(stage, parser, launch_command_parser(), parsed[-2], parsed[-1])
        if stage == "grpo":
            check_rewards(parsed[0].reward_funcs)


@pytest.mark.parametrize(
    "argv",
    [
        ["report", "{d}", "--out", "{d}/r"],
        ["contribution", "label", "--benchmark", "mmsu", "--from-samples", "{d}", "--out", "{d}/l"],
    ],
    ids=["report", "contribution-label"],
)
@pytest.mark.parametrize("content", ["", "not json", "[1, 2]"], ids=["empty", "malformed", "list"])
def test_results_readers_name_the_bad_file(argv, content, tmp_path, capsys):
    """A broken lm-eval results file: one line naming it, exit 2, nothing written."""
    from audiomcq_plugins.cli import main

    bad = tmp_path / "results_2026-01-01T00-00-00.json"
    bad.write_text(content)
    assert main([a.format(d=tmp_path) for a in argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(bad) in err[0], err
    assert not (tmp_path / "r").exists() and not (tmp_path / "l").exists()


SAMPLE = {"doc": {"id": "a"}, "resps": [["<answer>Man</answer>"]], "filtered_resps": ["Man"]}


@pytest.mark.parametrize(
    ("content", "pattern"),
    [
        ("", r"no samples"),
        ("not json", r":1: not valid JSON"),
        ("[1, 2]", r"line 1: no 'doc.id'"),
        (json.dumps(SAMPLE) + "\n" + json.dumps(SAMPLE), r"line 2: item 'a' again"),
    ],
    ids=["empty", "malformed", "wrong-format", "duplicate-ids"],
)
def test_submission_names_the_bad_samples_file(content, pattern, tmp_path, capsys):
    """A broken samples file: one line naming it, exit 2, no submission file written."""
    bad = tmp_path / "samples_mmau_test_2026-01-01T00-00-00.jsonl"
    bad.write_text(content)
    out = tmp_path / "submission.json"
    argv = ["submission", str(bad), "--benchmark", "mmau_test", "--out", str(out)]
    _one_clear_error(capsys, main(argv), re.escape(str(bad)) + ".*" + pattern)
    assert not out.exists()


@pytest.mark.parametrize(
    ("task", "extra", "pattern"),
    [
        ("mmau_test_mni|0", [], r"Cannot find task mmau_test_mni"),
        ("mmau_test_mini|0", ["--data-dir", "{d}"], r"mmau_test_mini: data not found; looked in"),
    ],
    ids=["unknown-task", "missing-data"],
)
@pytest.mark.slow  # a lighteval subprocess each
def test_lighteval_mistake_is_one_line_before_the_model_loads(task, extra, pattern, tmp_path):
    """`audiomcq lighteval custom ...` with a mistyped task or absent data: one line, exit 2,
    before the (nonexistent) model is touched. A process of its own, as users run it."""
    pytest.importorskip("lighteval")
    cli = [sys.executable, "-m", "audiomcq_plugins"]
    model_file = run([*cli, "lighteval-model-file"], timeout=300)
    argv = ["lighteval", "custom", f"pretrained={tmp_path / 'no-model'}", model_file.stdout.strip()]
    argv += [task, *(a.format(d=tmp_path / "nowhere") for a in extra)]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    proc = run([*cli, *argv], env=env, timeout=300)
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("audiomcq: error: ") and re.search(pattern, last), last


# --- --labels of prepare-data and report ---------------------------------------------------------


def _one_item_set(tmp_path):
    from tests.trl_fixtures import write_items

    return write_items(tmp_path / "clips", 4)


@pytest.mark.parametrize(
    ("labels", "pattern"),
    [
        (None, r"labels file .*missing\.jsonl does not exist; make it with `audiomcq contribution"),
        ('{"id": "t0", "label": "weak"}\n', r"no label for 3 of 4 .*contribution label"),
        ('{"id": "t0", "label": "maybe"}\n', r"maybe"),
    ],
    ids=["missing", "partial", "bad-label"],
)
def test_prepare_data_labels_name_the_problem_and_write_nothing(labels, pattern, tmp_path, capsys):
    items = _one_item_set(tmp_path)
    path = tmp_path / "missing.jsonl"
    if labels is not None:
        path = tmp_path / "labels.jsonl"
        head = json.dumps({"audiomcq_contribution_labels": 1, "task": "synth"})
        path.write_text(head + "\n" + labels)
    argv = ["train", "prepare-data", "--items", str(items), "--data-root", str(tmp_path / "clips"),
            "--out", str(tmp_path / "trl"), "--labels", str(path), "--skip-audio"]  # fmt: skip
    _one_clear_error(capsys, main(argv), pattern)
    assert not (tmp_path / "trl").exists()


def test_report_with_a_missing_labels_file_names_it(tmp_path, capsys):
    from tests.test_contribution_report import POSITIONS, write_results

    write_results(tmp_path / "runs", "m0", "mmau_test_mini_circular", {"acc": 0.5, **POSITIONS})
    argv = ["report", str(tmp_path / "runs"), "--out", str(tmp_path / "r"),
            "--labels", str(tmp_path / "nope.jsonl")]  # fmt: skip
    _one_clear_error(capsys, main(argv), r"nope\.jsonl does not exist")
    assert not (tmp_path / "r").exists()


# --- contribution label: before any voter is launched ----------------------------------------


@pytest.mark.parametrize(
    ("args", "pattern"),
    [
        (
            ["--benchmark", "mmau_tset"],
            r"unknown benchmark 'mmau_tset'\. Did you mean 'mmau_test'",
        ),
        (
            ["--benchmark", "mmau_test_mini_silent"],
            r"unknown benchmark 'mmau_test_mini_silent'\. Did you mean 'mmau_test_mini'",
        ),
        (["--rule", "3/2"], r"rule '3/2' needs 1 <= M <= K"),
        (["--rule", "two"], r"rule 'two' is not M/K"),
        (["--rule", "2/4"], r"rule 2/4 needs exactly 4 voters .* got 3"),
        (
            ["--models", "hf:pretrained=./no-such-model", "hf:pretrained=b", "hf:pretrained=c"],
            r"pretrained=\./no-such-model: no such directory",
        ),
        (["--models", "no-pretrained"], r"model 'no-pretrained' has no pretrained="),
        (
            [
                "--models",
                "audiomcq-hf:pretrained=a,max_new_token=8",
                "pretrained=b",
                "pretrained=c",
            ],
            r"max_new_token.*max_new_tokens",
        ),
    ],
    ids=[
        "benchmark-typo",
        "variant-not-base",
        "rule-m-over-k",
        "rule-not-m-k",
        "rule-vs-voters",
        "missing-model-dir",
        "no-pretrained",
        "model-arg-typo",
    ],
)
def test_contribution_label_refuses_before_launching(args, pattern, tmp_path, capsys):
    """One line, exit 2, no labels file and no voter started (no lm-eval output)."""
    argv = [
        "contribution",
        "label",
        "--benchmark",
        "audiomcq_synth",
        "--out",
        str(tmp_path / "l.jsonl"),
    ]
    argv += ["--models", "hf:pretrained=a", "hf:pretrained=b", "hf:pretrained=c"]
    argv += args  # a later option replaces the default above
    assert main(argv) == 2
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    assert len(err) == 1 and re.search(pattern, err[0]), err
    assert captured.out == "" and not (tmp_path / "l.jsonl").exists()


# --- task-dir ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "pattern"),
    [
        (["--harness", "lmms-eval", "--metadata", "not json"], r"--metadata is not JSON"),
        (["--harness", "lmms-eval", "--metadata", "[1, 2]"], r"must be a JSON object"),
        (["--metadata", "{}"], r"--metadata is for --harness lmms-eval"),
        (["--harness", "lmms"], r"invalid choice: 'lmms'"),
    ],
    ids=["not-json", "not-object", "metadata-for-lm-eval", "unknown-harness"],
)
def test_task_dir_bad_options_are_one_line(args, pattern, capsys):
    try:
        rc = main(["task-dir", *args])
    except SystemExit as exc:  # argparse's own errors
        rc = exc.code
    err = _one_clear_error(capsys, rc, pattern)
    errors = [line for line in err.splitlines() if "error:" in line]
    assert len(errors) == 1, err  # argparse prints its usage before its one error line


def test_eval_device_in_model_args_and_flag_disagreeing_is_one_line(capsys):
    args = "pretrained=/nonexistent/x,device=cpu"
    rc = main(["eval", "--model", "audiomcq-hf", "--model_args", args, "--device", "cuda:0",
               "--tasks", "mmar"])  # fmt: skip
    err = _one_clear_error(capsys, rc, r"device given twice: --model_args device=cpu and --device")
    assert len(err.strip().splitlines()) == 1


def test_eval_harness_arguments_in_model_args_become_lm_eval_flags():
    """lm-eval passes --device (default cuda:0) and --batch_size to every model: the same key
    in --model_args alone would collide; it is moved to the flag."""
    from audiomcq_plugins.cli.preflight import move_harness_args

    argv = ["--model", "hf", "--model_args", "pretrained=x,device=cpu,batch_size=4", "--tasks", "t"]
    moved = move_harness_args(argv)
    assert moved[:6] == ["--model", "hf", "--model_args", "pretrained=x", "--tasks", "t"]
    assert moved[6:] == ["--device", "cpu", "--batch_size", "4"]
    same = ["--model_args", "device=cpu", "--device", "cpu"]
    assert move_harness_args(same) == ["--model_args", "", "--device", "cpu"]
    assert move_harness_args(["--tasks", "t"]) == ["--tasks", "t"]
