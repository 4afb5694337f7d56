"""lm-eval patches are installed when our model or CLI is used, never on import, and only on the
lm-eval versions they were tested with."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytest.importorskip("lm_eval")

from audiomcq_plugins.cli import main  # noqa: E402
from audiomcq_plugins.integrations.lm_eval import cli, compat, safety  # noqa: E402
from audiomcq_plugins.versions import UntestedVersionError, installed_version  # noqa: E402

PROBE = """
from lm_eval.api import model as lm_model
from lm_eval.tasks import TaskManager

def state():
    cache = getattr(lm_model._multimodal_cache_default, "_audiomcq", False)
    tasks = getattr(TaskManager.__init__, "_audiomcq", False)
    return cache, tasks

from audiomcq_plugins.integrations.lm_eval import cli, models
print(state())
models.AudioLMAdapter()  # building one of our models installs the cache key
print(state())
cli._add_task_dir()  # what `audiomcq eval` runs before lm-eval's CLI
print(state())
"""


def test_patches_install_on_use_not_on_import():
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=300
    ).stdout.splitlines()
    assert out[-3:] == ["(False, False)", "(True, False)", "(True, True)"]


@pytest.fixture
def untested_lm_eval(monkeypatch):
    monkeypatch.setattr(compat, "installed_lm_eval_version", lambda: "0.4.99")


def test_cache_key_patch_refuses_an_untested_lm_eval(untested_lm_eval):
    with pytest.raises(compat.UnsupportedLMEvalVersion) as info:
        safety.install()
    message = str(info.value)
    assert "lm-eval 0.4.99 is installed" in message and "tested with lm-eval 0.4.13" in message
    assert "pip install 'lm-eval==0.4.13'" in message and "cache key" in message


def test_task_dir_patch_refuses_an_untested_lm_eval(untested_lm_eval):
    with pytest.raises(compat.UnsupportedLMEvalVersion, match=r"lm-eval 0\.4\.99 is installed"):
        cli._add_task_dir()


def test_stderr_patch_stays_out_of_an_untested_lm_eval(untested_lm_eval, monkeypatch, caplog):
    from lm_eval import evaluator_utils

    from audiomcq_plugins.integrations.lm_eval import stderr

    current = evaluator_utils.stderr_for_metric  # unpatched for this test
    monkeypatch.setattr(
        evaluator_utils, "stderr_for_metric", getattr(current, "__wrapped__", current)
    )
    assert stderr.install() is False
    assert "lm-eval 0.4.99 is installed" in caplog.text and "no standard error" in caplog.text


def test_audiomcq_eval_reports_an_untested_lm_eval_in_one_line(untested_lm_eval, capsys):
    assert main(["eval", "--model", "audiomcq-hf", "--tasks", "mmau_test_mini"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("audiomcq: error: audiomcq-plugins' `audiomcq eval`")
    assert "lm-eval 0.4.99 is installed" in err and "Traceback" not in err


def test_a_missing_harness_says_what_to_install():
    with pytest.raises(UntestedVersionError, match=r"pip install 'audiomcq-plugins\[x\]'"):
        installed_version("audiomcq-no-such-dist", ("1.0",), "x", UntestedVersionError)


def test_only_our_tasks_skip_lm_evals_builtin_index(monkeypatch, tmp_path):
    from lm_eval.tasks import TaskManager

    from audiomcq_plugins.integrations.lm_eval import task_index

    (tmp_path / "mine.yaml").write_text(
        "task: mine\ndataset_path: json\noutput_type: loglikelihood\n"
    )
    monkeypatch.setattr(TaskManager, "__init__", TaskManager.__init__)  # restored afterwards
    argv = ["--model", "audiomcq-hf", "--tasks", "mmau_test_mini,audio_mcq", "audiomcq", "-o", "x"]
    assert task_index.requested_tasks(argv) == ["mmau_test_mini,audio_mcq", "audiomcq"]
    assert task_index.requested_tasks(["--tasks=mmsu"]) == ["mmsu"]
    assert task_index.requested_tasks(["--config", "c.yaml"]) is None
    assert task_index.only_ours(["mmau_test_mini,audio_mcq", "audiomcq", "mmar_loglik"])
    assert not task_index.only_ours(["mmsu,arc_easy"]) and not task_index.only_ours(None)
    assert not task_index.only_ours(["mmau*"])  # patterns may match lm-eval's tasks too
    cli._add_task_dir(builtins=False)
    names = set(TaskManager(include_path=str(tmp_path)).all_tasks)
    assert {"mmau_test_mini", "audio_mcq", "mine"} <= names and "arc_easy" not in names
    cli._add_task_dir(builtins=True)  # a later run in this process indexes them again
    assert cli._INDEX["builtins"] is True


def test_builtin_index_is_cached_by_version_and_file_state(monkeypatch, tmp_path):
    from lm_eval.tasks._index import TaskIndex

    from audiomcq_plugins.integrations.lm_eval import task_index

    monkeypatch.setenv("AUDIOMCQ_CACHE", str(tmp_path / "cache"))
    root = tmp_path / "tasks"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "a.yaml").write_text("task: a\ntag: [t]\ndataset_path: json\n")
    calls = []

    def build(paths):
        calls.append(paths)
        return TaskIndex.build(paths)

    first = task_index._cached_build(build, root, "0.4.13")
    again = task_index._cached_build(build, root, "0.4.13")
    assert len(calls) == 1 and set(again) == set(first) == {"a", "t"}
    assert again["a"].cfg == first["a"].cfg and again["t"].tags == {"a"}
    (root / "b.yaml").write_text("task: b\ndataset_path: json\n")  # new file: rebuilt
    assert set(task_index._cached_build(build, root, "0.4.13")) == {"a", "b", "t"}
    task_index._cached_build(build, root, "0.4.14")  # another lm-eval: rebuilt
    assert len(calls) == 3
