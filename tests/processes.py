"""Running a command under test: a hang is a failure with every process's stack, and nothing the
command started outlives the test.

:func:`run` is ``subprocess.run(cmd, capture_output=True, text=True, timeout=...)`` with three
differences:

- every process the command starts, however deep and in whatever session (torchrun puts each
  rank in a session of its own, so a process group does not reach them), carries a tag in its
  environment, by which :func:`tagged` finds it, orphaned or not;
- Python processes run with ``faulthandler`` on (``PYTHONFAULTHANDLER=1``): on time-out each
  tagged process is sent SIGABRT and prints its threads' stacks into the captured output, and
  the test fails with them;
- whatever tagged process is still alive once the command ended (an orphaned rank) is killed
  and fails the test; so is every tagged process when the test itself is interrupted
  (pytest-timeout, Ctrl-C).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from collections.abc import Sequence

import psutil

TAG_VAR = "AUDIOMCQ_TEST_PROCESS_TAG"
#: Seconds the processes have to print their stacks after SIGABRT before they are killed.
STACK_GRACE_S = 10.0
#: Seconds the command's processes have to end after the command itself did.
EXIT_GRACE_S = 10.0


def tagged(tag: str) -> list[psutil.Process]:
    """The live processes whose environment holds ``TAG_VAR=tag``."""
    found = []
    for proc in psutil.process_iter():
        try:
            if proc.environ().get(TAG_VAR) == tag and proc.status() != psutil.STATUS_ZOMBIE:
                found.append(proc)
        except (psutil.Error, OSError):  # gone, or not ours to read
            continue
    return found


def signal_all(procs: list[psutil.Process], signum: int) -> None:
    for proc in procs:
        try:
            proc.send_signal(signum)
        except psutil.Error:
            pass


def end_tagged(tag: str, wait_s: float) -> list[str]:
    """Wait up to ``wait_s`` for the tagged processes to end, then kill the rest; returns the
    command lines of those that had to be killed."""
    deadline = time.monotonic() + wait_s
    while (left := tagged(tag)) and time.monotonic() < deadline:
        time.sleep(0.1)
    names = []
    for proc in left:
        try:
            names.append(" ".join(proc.cmdline())[:200])
        except psutil.Error:
            names.append(str(proc.pid))
    signal_all(left, signal.SIGKILL)
    return names


def default_sigint() -> None:
    """``preexec_fn`` for a command a test interrupts with SIGINT: Ctrl-C reaches it as a
    terminal's would even when the suite itself runs with SIGINT ignored (a background job of a
    non-interactive shell, ``make test &``, ignores it, and so would every child)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def run(
    cmd: Sequence[str], *, timeout: float, env: dict[str, str] | None = None, **kwargs
) -> subprocess.CompletedProcess:
    """Run ``cmd`` to completion (see the module docstring); its output is captured as text."""
    tag = uuid.uuid4().hex
    env = {**(os.environ if env is None else env), "PYTHONFAULTHANDLER": "1", TAG_VAR: tag}
    proc = subprocess.Popen(
        list(map(str, cmd)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
        **kwargs,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        signal_all(tagged(tag), signal.SIGABRT)  # faulthandler: each process prints its stacks
        try:
            out, err = proc.communicate(timeout=STACK_GRACE_S)
        except subprocess.TimeoutExpired:
            signal_all(tagged(tag), signal.SIGKILL)
            out, err = proc.communicate()
        end_tagged(tag, wait_s=0)
        raise AssertionError(
            f"{' '.join(map(str, cmd[:6]))} ... did not finish within {timeout} s; its "
            f"processes' stacks and output follow\n--- stdout ---\n{out[-4000:]}\n"
            f"--- stderr ---\n{err[-20000:]}"
        ) from None
    except BaseException:  # the test was interrupted (pytest-timeout, Ctrl-C): end them all
        signal_all(tagged(tag), signal.SIGKILL)
        proc.communicate()
        raise
    leftover = end_tagged(tag, wait_s=EXIT_GRACE_S)
    assert not leftover, f"processes outlived {cmd[:6]} (killed): {leftover}\n{err[-5000:]}"
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
