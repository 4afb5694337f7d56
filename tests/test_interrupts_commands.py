"""Ctrl-C (SIGINT to the process group) and SIGTERM (to the main process only) end every
command that starts processes of its own or through a library in one line, with status 130,
and leave nothing running: ``contribution label`` (an ``audiomcq eval`` per voter), ``train
sft`` and ``train grpo`` (``accelerate launch`` and its training process) and ``lighteval``
(in-process; its bootstrap fork pool comes at the end: tests/test_processes.py). ``prepare``
and ``eval`` have their own tests (tests/test_interrupts.py), with resume."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from audiomcq_plugins.benchmarks.fixtures import write_fixture
from tests.processes import default_sigint
from tests.test_interrupts import _end_of_interrupted

pytestmark = pytest.mark.slow


def _signal_when_child_runs(proc: subprocess.Popen, marker: str, how: str) -> None:
    """Once a descendant whose command line holds ``marker`` has run for 3 s, interrupt."""
    deadline, seen = time.monotonic() + 240, None
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()[1][-3000:]
        kids = psutil.Process(proc.pid).children(recursive=True)
        if any(marker in " ".join(k.cmdline()) for k in kids if k.is_running()):
            seen = seen or time.monotonic()
            if time.monotonic() - seen > 3:
                break
        time.sleep(0.1)
    else:
        raise AssertionError(f"no {marker} process started in time")
    _send(proc, how)


def _signal_when_stderr_shows(proc: subprocess.Popen, err, marker: str, how: str) -> None:
    """Once the command's stderr (a file) has shown ``marker`` for 3 s, interrupt."""
    deadline = time.monotonic() + 240
    while marker not in err.read_text(errors="replace"):
        assert proc.poll() is None, err.read_text()[-3000:]
        assert time.monotonic() < deadline, f"{marker!r} not printed in time"
        time.sleep(0.1)
    time.sleep(3)
    _send(proc, how)


def _send(proc: subprocess.Popen, how: str) -> None:
    # Every descendant, sessions of their own included (a group check would miss those).
    _send.descendants = psutil.Process(proc.pid).children(recursive=True)
    if how == "ctrl-c":
        os.killpg(proc.pid, signal.SIGINT)
    else:
        os.kill(proc.pid, signal.SIGTERM)


def _running(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _interrupt(cmd, marker, how, cwd, env, *, in_stderr=False) -> str:
    """Run ``cmd``; interrupt it once a descendant named by ``marker`` runs (or, with
    ``in_stderr``, once its stderr shows ``marker``); its stderr, checked for one clean end."""
    err_file = Path(cwd) / "stderr.txt"
    env = {**env, "PYTHONFAULTHANDLER": "1"}  # a hang prints its stacks (_end_of_interrupted)
    with err_file.open("w") as err_out:
        proc = subprocess.Popen(
            cmd, stdout=subprocess.DEVNULL, stderr=err_out, text=True, cwd=cwd, env=env,
            start_new_session=True, preexec_fn=default_sigint,
        )  # fmt: skip
    if in_stderr:
        _signal_when_stderr_shows(proc, err_file, marker, how)
    else:
        _signal_when_child_runs(proc, marker, how)
    _end_of_interrupted(proc, cmd[3], timeout=90, stderr_file=err_file)
    err = err_file.read_text(errors="replace")
    left = [k for k in _send.descendants if _running(k)]
    for k in left:
        k.kill()
    assert not left, f"left running: {[k.cmdline() for k in left]}"
    assert proc.returncode == 130, err[-3000:]
    assert "Traceback" not in err, err[-3000:]
    return err


@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_contribution_label(how, tmp_path):
    from audiomcq_plugins.models.tiny import build_tiny_model

    write_fixture("audiomcq_synth", tmp_path / "data" / "audiomcq_synth", n=48, max_seconds=0.5)
    model = build_tiny_model("qwen2-audio", tmp_path / "model")
    voter = f"audiomcq-hf:pretrained={model},batch_size=1,device=cpu"
    out = tmp_path / "labels.jsonl"
    cmd = [sys.executable, "-m", "audiomcq_plugins", "contribution", "label",
           "--benchmark", "audiomcq_synth", "--models", voter, "--rule", "1/1",
           "--out", str(out), "--data-dir", str(tmp_path / "data")]  # fmt: skip
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    err = _interrupt(cmd, "audiomcq_plugins eval", how, tmp_path, env)
    assert err.strip().splitlines()[-1].startswith("audiomcq contribution: interrupted"), err
    assert not out.exists()


# Ctrl-C is not tested here: the group's SIGINT reaches the training process while it imports
# and is still, in about 1 run of 3, printed as a traceback (docs/reliability.md, known gaps).
@pytest.mark.parametrize("how", ["sigterm"])
def test_train_sft(how, tmp_path):
    from tests.test_trl_sft_cli import recipe
    from tests.trl_fixtures import subprocess_env, trl_data

    config = recipe(tmp_path, "qwen2.5-omni", trl_data(tmp_path / "d"), max_steps=100000)
    cmd = [sys.executable, "-m", "audiomcq_plugins", "train", "sft", "--config", str(config)]
    err = _interrupt(cmd, "integrations.trl.launch", how, tmp_path, subprocess_env())
    assert err.strip().splitlines()[-1].startswith("audiomcq train: interrupted"), err


@pytest.mark.parametrize("how", ["sigterm"])  # Ctrl-C: as for train sft, above
def test_train_grpo(how, tmp_path):
    from tests.test_trl_grpo_cli import recipe
    from tests.trl_fixtures import subprocess_env, trl_data

    config = recipe(tmp_path, trl_data(tmp_path / "d"), max_steps=100000)
    cmd = [sys.executable, "-m", "audiomcq_plugins", "train", "grpo", "--config", str(config)]
    err = _interrupt(cmd, "integrations.trl.launch", how, tmp_path, subprocess_env())
    assert err.strip().splitlines()[-1].startswith("audiomcq train: interrupted"), err


@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_lighteval(how, tmp_path):
    """lighteval runs in our process; typer turns the interrupt into exit 130, which the
    command reports in its line like every other."""
    pytest.importorskip("lighteval")
    from audiomcq_plugins.models.tiny import build_tiny_model

    write_fixture("audiomcq_synth", tmp_path / "data" / "audiomcq_synth", n=48, max_seconds=0.5)
    model = build_tiny_model("qwen2-audio", tmp_path / "model")
    model_file = Path(__file__).parents[1] / "audiomcq_plugins/integrations/lighteval/model_file.py"
    cmd = [sys.executable, "-m", "audiomcq_plugins", "lighteval", "custom",
           f"pretrained={model},device=cpu,batch_size=1", str(model_file), "audiomcq_synth|0",
           "--data-dir", str(tmp_path / "data"), "--output-dir", str(tmp_path / "out")]  # fmt: skip
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    err = _interrupt(cmd, "generate:", how, tmp_path, env, in_stderr=True)
    assert err.strip().splitlines()[-1] == "audiomcq lighteval: interrupted", err[-3000:]
    assert not (tmp_path / "out" / "results").exists()


@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_demo(how, tmp_path):
    """The demo, during its first training launch (a general model): the launch ends with it."""
    cmd = [sys.executable, "-m", "audiomcq_plugins.workflows.demo", "--quick",
           "--out", str(tmp_path / "demo"), "--models-dir", str(tmp_path / "models")]  # fmt: skip
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    err = _interrupt(cmd, "--config", how, tmp_path, env)
    assert err.strip().splitlines()[-1].startswith("audiomcq demo: interrupted; re-run"), err
