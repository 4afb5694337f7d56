"""Interrupting ``audiomcq prepare --workers N`` (Ctrl-C to the process group, or SIGTERM to
the main process): it ends promptly in one line, leaves no worker behind and resumes."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from audiomcq_plugins.benchmarks.fixtures import write_fixture
from audiomcq_plugins.items import load_items
from tests.processes import STACK_GRACE_S, default_sigint, run

N = 300


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _wait_for_results(progress, proc, timeout=60.0) -> None:
    """Until the progress file holds at least one checked clip (work is under way)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if progress.is_file() and len(progress.read_text().splitlines()) >= 2:
            return
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.02)
    raise AssertionError("prepare produced no result in time")


def _end_of_interrupted(
    proc: subprocess.Popen, what: str, timeout: float, stderr_file: Path | None = None
) -> str:
    """Stderr of an interrupted process group, asserting that it ended within ``timeout``
    seconds and that no process of its group outlived it (leftovers are killed)."""
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        # A hang is a failure with its stacks: faulthandler (PYTHONFAULTHANDLER=1, which every
        # command of these tests runs with) prints each process's threads on SIGABRT.
        os.killpg(proc.pid, signal.SIGABRT)
        try:
            _, err = proc.communicate(timeout=STACK_GRACE_S)
        except subprocess.TimeoutExpired:
            _, err = "", ""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        if stderr_file is not None:
            err = stderr_file.read_text(errors="replace")
        raise AssertionError(
            f"{what} did not end within {timeout} s of the interrupt; its stacks:\n"
            f"{(err or '')[-20000:]}"
        ) from None
    deadline = time.monotonic() + 10
    while _group_alive(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    leftover = _group_alive(proc.pid)
    if leftover:
        os.killpg(proc.pid, signal.SIGKILL)
    assert not leftover, f"processes outlived the interrupted {what}"
    return err


@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_interrupted_parallel_prepare_stops_cleanly_and_resumes(how, tmp_path):
    src = write_fixture("mmau_test_mini", tmp_path / "src", n=N, max_seconds=4.0)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "audiomcq_plugins", "prepare", "mmau_test_mini"]
    cmd += ["--source", str(src), "--out", str(out), "--workers", "2", "--no-progress"]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONFAULTHANDLER": "1"}
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
        preexec_fn=default_sigint,
    )
    _wait_for_results(out / ".mmau_test_mini.progress.jsonl", proc)
    if how == "ctrl-c":  # a terminal's Ctrl-C reaches every process of the group
        os.killpg(proc.pid, signal.SIGINT)
    else:
        proc.send_signal(signal.SIGTERM)
    err = _end_of_interrupted(proc, "prepare", timeout=30)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and err.strip().splitlines() == [
        "audiomcq prepare: interrupted; re-run the same command to continue where it stopped"
    ]
    assert not (out / "mmau_test_mini.jsonl").exists()

    again = run(cmd, env=env, timeout=300)
    assert again.returncode == 0, again.stderr
    assert "resumed:" in again.stdout
    ids = [it.id for it in load_items(out / "mmau_test_mini.jsonl")]
    assert len(ids) == len(set(ids)) == N


@pytest.mark.slow
@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_interrupted_eval_stops_cleanly_and_resumes_from_its_cache(how, tmp_path):
    """Ctrl-C (or SIGTERM) mid-run of `audiomcq eval`: one line, status 130, nothing left
    running; the same command with --use_cache then reuses every answer committed before the
    interrupt
    (lm-eval commits per chunk of ``models.CHUNK`` requests, so a short run may have none)."""
    pytest.importorskip("lm_eval")
    import sqlite3

    from audiomcq_plugins.models.tiny import build_tiny_model

    n = 16
    write_fixture("audiomcq_synth", tmp_path / "data" / "audiomcq_synth", n=n, max_seconds=0.5)
    model = build_tiny_model("qwen2-audio", tmp_path / "model")
    cache = tmp_path / "cache"
    cmd = [sys.executable, "-m", "audiomcq_plugins", "eval", "--data-dir", str(tmp_path / "data")]
    cmd += ["--model", "audiomcq-hf", "--model_args", f"pretrained={model}", "--device", "cpu"]
    cmd += ["--tasks", "audiomcq_synth", "--batch_size", "1", "--use_cache", str(cache)]
    cmd += ["--gen_kwargs", "max_gen_toks=4", "--output_path", str(tmp_path / "out")]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    env["PYTHONFAULTHANDLER"] = "1"
    env["AUDIOMCQ_CACHE"] = str(tmp_path / "audiomcq-cache")
    db = tmp_path / "cache_rank0.db"

    def answered() -> int:
        """Answers in lm-eval's cache; -1 until the cache (made just before the run) exists."""
        if not db.is_file():
            return -1
        try:
            with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
                return con.execute("SELECT COUNT(*) FROM unnamed").fetchone()[0]
        except sqlite3.OperationalError:  # created, table not yet
            return -1

    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, cwd=tmp_path, start_new_session=True,
                            preexec_fn=default_sigint)  # fmt: skip
    deadline = time.monotonic() + 300
    while answered() < 0:
        assert proc.poll() is None, proc.communicate()[1][-3000:]
        assert time.monotonic() < deadline, "eval answered nothing in time"
        time.sleep(0.05)
    if how == "ctrl-c":
        os.killpg(proc.pid, signal.SIGINT)
    else:
        proc.send_signal(signal.SIGTERM)
    err = _end_of_interrupted(proc, "eval", timeout=60)
    assert proc.returncode == 130, err[-3000:]
    assert "Traceback" not in err, err[-3000:]
    assert err.strip().splitlines()[-1].startswith("audiomcq eval: interrupted; re-run"), err
    done = answered()
    assert 0 <= done < n, done

    again = run(cmd, env=env, cwd=tmp_path, timeout=300)  # fmt: skip
    assert again.returncode == 0, again.stderr[-3000:]
    assert f"Cached requests: {done}, Requests remaining: {n - done}" in again.stderr
    assert answered() == n
