"""Interrupting ``audiomcq prepare --workers N`` (Ctrl-C to the process group, or SIGTERM to
the main process): it ends promptly in one line, leaves no worker behind and resumes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from audiomcq_plugins.benchmarks.fixtures import write_fixture
from audiomcq_plugins.items import load_items

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


@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_interrupted_parallel_prepare_stops_cleanly_and_resumes(how, tmp_path):
    src = write_fixture("mmau_test_mini", tmp_path / "src", n=N, max_seconds=4.0)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "audiomcq_plugins", "prepare", "mmau_test_mini"]
    cmd += ["--source", str(src), "--out", str(out), "--workers", "2", "--no-progress"]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    )
    _wait_for_results(out / ".mmau_test_mini.progress.jsonl", proc)
    if how == "ctrl-c":  # a terminal's Ctrl-C reaches every process of the group
        os.killpg(proc.pid, signal.SIGINT)
    else:
        proc.send_signal(signal.SIGTERM)
    try:
        _, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        raise AssertionError("prepare did not end within 30 s of the interrupt") from None
    deadline = time.monotonic() + 10
    while _group_alive(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    leftover = _group_alive(proc.pid)
    if leftover:
        os.killpg(proc.pid, signal.SIGKILL)
    assert not leftover, "worker processes outlived the interrupted prepare"
    assert proc.returncode == 130, err
    assert "Traceback" not in err and err.strip().splitlines() == [
        "audiomcq prepare: interrupted; re-run the same command to continue where it stopped"
    ]
    assert not (out / "mmau_test_mini.jsonl").exists()

    again = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    assert again.returncode == 0, again.stderr
    assert "resumed:" in again.stdout
    ids = [it.id for it in load_items(out / "mmau_test_mini.jsonl")]
    assert len(ids) == len(set(ids)) == N
