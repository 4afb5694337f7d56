"""Batches of audio requests through encode -> model -> decode, the next batch encoded early.

:class:`BatchPipeline` is the batch loop of :class:`~audiomcq_plugins.models.hf.HFAudioLM`:
requests are length-sorted into batches of ``batch_size`` (lengths known without decoding);
with ``prefetch`` the next batch is prepared (clips decoded, processor, tokenizer, audio encoder)
in a background thread while the model runs the current one.
Speed only: results are the same with or without prefetching.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from audiomcq_plugins.models.requests import AudioRequest, length_order
from audiomcq_plugins.processes import check_interrupt


def usable_cores() -> int:
    """CPU cores this process may run on (its affinity mask where the OS has one)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, cores or 1)


def default_prefetch(device: str) -> bool:
    """Whether encoding the next batch in the background pays: always on an accelerator; on
    CPU only when torch's intra-op threads leave a core free (otherwise the encoding thread
    takes its CPU time from the forward passes)."""
    import torch

    if device != "cpu":
        return True
    return torch.get_num_threads() < usable_cores()


class BatchPipeline:
    """The batch loop, with its timers: :attr:`encode_wait_seconds` (the loop encoding or
    waiting for an encoded batch) and :attr:`run_seconds` (inside ``run``)."""

    batch_size: int
    prefetch: bool
    encode_wait_seconds: float = 0.0
    run_seconds: float = 0.0

    def _batches(self, requests: Sequence[AudioRequest]) -> Iterator[list[int]]:
        order = length_order(requests)
        for start in range(0, len(order), self.batch_size):
            yield order[start : start + self.batch_size]

    def _pipeline(
        self,
        requests: Sequence[AudioRequest],
        prepare: Callable[[list[int]], Any],
        run: Callable[[Any], Any],
        finish: Callable[[list[int], Any], None],
    ) -> None:
        """``finish(idx, run(prepare(idx)))`` for every batch, in order. With ``prefetch`` the
        next batch's ``prepare`` (decoding, processor, tokenizer, audio encoder) runs in a
        background thread during this batch's ``run`` (the model's generation); ``finish``
        waits for it first, so the processor and tokenizer are never used by two threads at
        once."""
        batches = list(self._batches(requests))
        prefetch = self.prefetch and len(batches) > 1
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="audiomcq-encode") as pool:
            start = time.perf_counter()
            prepared = prepare(batches[0]) if batches else None
            self.encode_wait_seconds += time.perf_counter() - start
            for k, idx in enumerate(batches):
                check_interrupt()  # a SIGTERM whose exception a finalizer swallowed
                last = k + 1 == len(batches)
                upcoming = None if last or not prefetch else pool.submit(prepare, batches[k + 1])
                start = time.perf_counter()
                output = run(prepared)
                self.run_seconds += time.perf_counter() - start
                if not last:
                    start = time.perf_counter()
                    prepared = upcoming.result() if upcoming else prepare(batches[k + 1])
                    self.encode_wait_seconds += time.perf_counter() - start
                finish(idx, output)


def time_forward_calls(owner: Any, model: Any, device: str) -> None:
    """Add the time spent inside ``model``'s forward passes (CUDA synchronised) to
    ``owner.forward_seconds``, and count them in ``owner.forward_calls``."""
    import torch

    sync = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)
    started: list[float] = []

    def before(_module: Any, _args: Any) -> None:
        sync()
        started.append(time.perf_counter())

    def after(_module: Any, _args: Any, _output: Any) -> None:
        sync()
        owner.forward_seconds += time.perf_counter() - started.pop()
        owner.forward_calls += 1

    model.register_forward_pre_hook(before)
    model.register_forward_hook(after)
