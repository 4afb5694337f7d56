"""How our processes start and end: the one home of signal handling and of exit-time clean-up.

- :func:`sigterm_as_interrupt`: while an ``audiomcq`` command runs, SIGTERM raises
  ``KeyboardInterrupt`` (so a command ends in one line after its own clean-up, as on Ctrl-C).
  A process *forked* while it is installed starts with the SIGTERM disposition it had before
  (``os.register_at_fork``; SIGTERM is blocked across the fork, so one sent to a child before
  its disposition is restored is delivered after, not swallowed): third-party fork pools
  (lighteval's bootstrap standard errors, ``datasets`` with ``num_proc``, torch
  ``DataLoader`` workers) are ended by ``Pool.terminate()``'s SIGTERM as the standard library
  expects, instead of a worker turning it into a ``KeyboardInterrupt`` or losing it, then
  waiting for ever on the queue lock that the terminating pool holds (a deadlock).
- :func:`interruptible`: runs a command so that Ctrl-C or SIGTERM end it in the one line
  ``audiomcq NAME: interrupted; HINT`` with status 130 (every ``audiomcq`` command, the demo);
  :func:`end_session` ends a launch started in a session of its own, with what it started.
- :func:`end_distributed_at_exit`: a process of a multi-process launch (``torchrun``,
  ``accelerate launch``) frees its models and destroys its process group while the interpreter
  is still whole, then gives the rest of interpreter exit a deadline: a rank that is still alive
  after it prints every thread's stack and exits with status 1 instead of hanging its launcher
  (a gloo rank was seen stuck for ever in ``~ProcessGroupGloo`` during interpreter
  finalization, reached from a DDP ``Reducer`` freed only then).
- :func:`drain_collectives`: what our trainers' ``end()`` does before the process group is
  destroyed (through :class:`DrainBeforeEnd`), so that a gloo rank does not deadlock in
  ``~ProcessGroupGloo`` (see there).
"""

from __future__ import annotations

import atexit
import contextlib
import faulthandler
import gc
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator

#: Seconds a rank may take to finish interpreter exit after :func:`end_distributed_at_exit`'s
#: clean-up before its stacks are printed and it is ended (override: the variable below).
EXIT_DEADLINE_S = 120.0
EXIT_DEADLINE_ENV = "AUDIOMCQ_EXIT_DEADLINE"
#: Seconds :func:`drain_collectives` leaves the GIL free after its barrier.
DRAIN_S = 0.2

_parent_sigterm: list = []  # the disposition forked children get back, while ours is installed
_at_fork_registered = False
_fork_mask = threading.local()  # the forking thread's signal mask while SIGTERM is blocked
_exit_registered = False


#: Set by our SIGTERM handler, cleared once the interrupt is handled (:func:`check_interrupt`).
_pending: list[bool] = [False]


def _terminate_as_interrupt(signum: int, frame: object) -> None:
    _pending[0] = True
    raise KeyboardInterrupt


def check_interrupt() -> None:
    """Raise ``KeyboardInterrupt`` if a SIGTERM arrived and its exception was lost. Python
    runs a signal handler at whatever bytecode comes next; when that is inside a ``__del__``,
    a weakref callback or an at-fork hook, the handler's exception is reported as unraisable
    and dropped, and the command would run on. Long loops call this between steps."""
    if _pending[0]:
        _pending[0] = False
        raise KeyboardInterrupt


def _block_sigterm_before_fork() -> None:
    # A SIGTERM that reached the child before its handler is restored would be swallowed by
    # our Python-level handler (or lost if it runs only after the restore): keep it pending.
    if signal.getsignal(signal.SIGTERM) is _terminate_as_interrupt:
        _fork_mask.saved = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})


def _unblock_after_fork() -> None:
    saved = getattr(_fork_mask, "saved", None)
    if saved is not None:
        _fork_mask.saved = None
        signal.pthread_sigmask(signal.SIG_SETMASK, saved)


def _restore_sigterm_in_child() -> None:
    if _parent_sigterm and signal.getsignal(signal.SIGTERM) is _terminate_as_interrupt:
        with contextlib.suppress(ValueError, OSError):  # no Python handlers can be set
            signal.signal(signal.SIGTERM, _restorable(_parent_sigterm[-1]))
    _unblock_after_fork()  # a SIGTERM sent meanwhile is delivered now, with that disposition


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM raises ``KeyboardInterrupt`` inside the block (main thread only); processes
    forked inside it start with the previous disposition."""
    global _at_fork_registered
    if not _at_fork_registered:
        os.register_at_fork(
            before=_block_sigterm_before_fork,
            after_in_parent=_unblock_after_fork,
            after_in_child=_restore_sigterm_in_child,
        )
        _at_fork_registered = True
    _pending[0] = False
    _parent_sigterm.append(signal.signal(signal.SIGTERM, _terminate_as_interrupt))
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, _restorable(_parent_sigterm.pop()))


def _restorable(previous: object) -> object:
    """A disposition ``signal.signal`` takes back (None: one set outside Python -> default)."""
    return signal.SIG_DFL if previous is None else previous


def exit_deadline() -> float:
    raw = os.environ.get(EXIT_DEADLINE_ENV)
    if raw is None:
        return EXIT_DEADLINE_S
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if value <= 0:
        raise ValueError(f"{EXIT_DEADLINE_ENV}={raw!r}: expected a positive number of seconds")
    return value


def end_distributed_at_exit() -> None:
    """Register (once per process) the exit-time clean-up described in the module docstring.
    Harmless in a single process: it only acts where ``torch.distributed`` was initialised."""
    global _exit_registered
    if _exit_registered:
        return
    deadline = exit_deadline()  # a malformed value is reported now, not at exit
    atexit.register(_end_distributed, deadline)
    _exit_registered = True


def _end_distributed(deadline: float) -> None:
    if int(os.environ.get("WORLD_SIZE") or 1) <= 1:  # not a rank of a multi-process launch
        return
    faulthandler.dump_traceback_later(deadline, exit=True, file=sys.__stderr__)
    gc.collect()  # trainers hold their DDP model in reference cycles: free its Reducer now
    dist = sys.modules.get("torch.distributed")
    if dist is not None and dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()  # (TRL's scripts destroy it already through Trainer.end())
        gc.collect()


def drain_collectives() -> None:
    """Wait for every rank, then leave the GIL free for :data:`DRAIN_S`: what a trainer does
    before it destroys its gloo process group. A no-op outside a gloo group of 2+ ranks.

    A gloo worker thread frees each collective it ran, and freeing tensors that Python has
    already dropped (``Trainer.store_flos``' ``all_gather`` at the end of training) needs the
    GIL. The group's last owner is the DDP ``Reducer``, freed with the GIL held when the script
    drops its trainer; ``~ProcessGroupGloo`` then joins the worker threads. When a worker had
    not yet got the GIL to free its last collective (a starved thread on a busy machine), the
    two wait for each other for ever: seen in ``trl grpo`` with two CPU ranks, one rank done,
    the other stuck at the script's last line. The barrier and the sleep let the workers finish.
    """
    dist = sys.modules.get("torch.distributed")
    if dist is None or not dist.is_available() or not dist.is_initialized():
        return
    if dist.get_world_size() < 2 or dist.get_backend() != "gloo":
        return
    dist.barrier()
    time.sleep(DRAIN_S)


class DrainBeforeEnd:
    """Mix into a ``transformers.Trainer`` subclass (before the trainer): its ``end()``, which
    destroys the process group, first runs :func:`drain_collectives`."""

    def end(self) -> None:
        drain_collectives()
        super().end()  # type: ignore[misc]


#: The exit status of a command ended by Ctrl-C or SIGTERM.
INTERRUPTED = 130


def interruptible(run: Callable[[], int | None], name: str, hint: str = "") -> int:
    """``run()``'s status; after Ctrl-C or SIGTERM (raised inside as ``KeyboardInterrupt``,
    once ``run``'s own clean-up ran), ``audiomcq NAME: interrupted; HINT`` and 130."""
    try:
        with sigterm_as_interrupt():
            return int(run() or 0)
    except KeyboardInterrupt:
        _pending[0] = False  # reported below, once the interrupted frames are gone
    # progress bars of the unwound frames print their last state when collected: before ours
    gc.collect()
    print(f"audiomcq {name}: interrupted{'; ' + hint if hint else ''}", file=sys.stderr)
    return INTERRUPTED


def end_session(proc: subprocess.Popen, grace: float = 10.0) -> None:
    """End ``proc``, started with ``start_new_session=True``, and everything in its session:
    SIGTERM, then SIGKILL to what is left after ``grace`` seconds."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=wait)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:  # the launcher ended; its children may not have
            try:
                os.killpg(proc.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)


def _exit_quietly(signum: int, frame: object) -> None:
    # Once: a second signal (the launcher's SIGTERM after the group's Ctrl-C) would otherwise
    # raise again inside the interpreter's exit handlers and print their traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise SystemExit(130)


def exit_quietly_on_interrupt() -> None:
    """In a process our command started (a training process): Ctrl-C or SIGTERM end it with
    status 130 and no traceback, however far its imports have got; the command prints the one
    line."""
    signal.signal(signal.SIGINT, _exit_quietly)
    signal.signal(signal.SIGTERM, _exit_quietly)
