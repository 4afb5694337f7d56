"""Running a function over many jobs on a process pool that an interrupt stops at once.

Workers ignore Ctrl-C and leave it to the main process, which then terminates them: no
traceback from every worker, no shutdown waiting on a chunk in flight, no process left behind.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Any, TypeVar

from audiomcq_plugins.processes import check_interrupt

J = TypeVar("J")
R = TypeVar("R")


def _map_chunk(fn: Callable[[J], R], jobs: list[J]) -> list[R]:
    return [fn(job) for job in jobs]


def _worker_init() -> None:
    """Workers leave interrupts to the main process, which stops them (with SIGTERM, which
    ends them: no process forked under a command keeps its handler, see ``processes.py``)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _stop(pool: ProcessPoolExecutor) -> None:
    """End the pool now: cancel queued chunks and terminate the workers."""
    # The executor has no public way to kill its workers; ``_processes`` is stable since 3.8.
    procs = list((getattr(pool, "_processes", None) or {}).values())
    for proc in procs:
        proc.terminate()
    for proc in procs:
        proc.join(timeout=5)
        if proc.is_alive():
            proc.kill()
            proc.join()
    # With every worker gone the pool's manager thread sees a broken pool and exits at once;
    # waiting for it here avoids its race with the interpreter's exit hook.
    pool.shutdown(wait=True, cancel_futures=True)


def run_interruptibly(
    fn: Callable[[J], R], jobs: Sequence[J], workers: int, chunk: int
) -> Iterator[R]:
    """``fn(job)`` for every job, results as they complete: in-process for one worker, else
    chunks of ``chunk`` jobs on a process pool with a bounded number in flight (a job can be
    large). ``fn`` must be picklable. Closing the generator early (an interrupt) stops the
    pool at once."""
    if workers <= 1:
        yield from map(fn, jobs)
        return
    chunks = iter([list(jobs[i : i + chunk]) for i in range(0, len(jobs), chunk)])
    task: Callable[[list[J]], list[Any]] = functools.partial(_map_chunk, fn)
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_worker_init)
    finished = False
    try:
        with _sigint_ignored():  # workers start here; they must not see a Ctrl-C before init
            pending = {pool.submit(task, c) for c in itertools.islice(chunks, 2 * workers)}
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            check_interrupt()  # a SIGTERM whose exception a finalizer swallowed
            for future in done:
                yield from future.result()
                nxt = next(chunks, None)
                if nxt is not None:
                    pending.add(pool.submit(task, nxt))
        finished = True
    finally:
        if finished:
            pool.shutdown(wait=True)
        else:
            _stop(pool)
