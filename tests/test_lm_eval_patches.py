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
