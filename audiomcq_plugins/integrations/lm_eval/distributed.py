"""Data-parallel evaluation for ``audiomcq-hf``, on lm-eval's conventions (0.4.13).

Launched by ``accelerate launch`` or ``torchrun`` with N processes, lm-eval's evaluator gives
each process every N-th document (``lm.rank`` / ``lm.world_size``), pads the request lists to
equal length with ``lm.all_gather``, waits at ``lm.barrier()`` and collects per-document
metrics and logged samples on rank 0 with ``lm.gather_object``; only rank 0 gets results back
and writes them. :class:`DataParallel` supplies those five members through an accelerate
``Accelerator``, as lm-eval's ``hf`` model does, with three differences:

- ``rank`` is the *global* process index (lm-eval's ``hf`` uses the node-local one, which
  repeats across nodes), so several nodes share the work too;
- :meth:`DataParallel.gather_object` returns the ranks' objects merged back into one-process
  order (documents interleaved as the evaluator dealt them out), so the samples file and every
  order-sensitive aggregate (bootstrap standard errors) equal a one-process run's;
- the copies of its last request that the evaluator pads a rank with are not run, and not
  logged: lm-eval appends their responses to that request's ``resps``, so its logged sample
  would differ from a one-process run's (:meth:`DataParallel._without_padding`).

On CPU-only machines the processes form a ``gloo`` group (accelerate's ``MULTI_CPU``) when the
model runs on the CPU (``device=cpu``, or no CUDA): no ``ACCELERATE_USE_CPU`` needed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from itertools import chain, zip_longest
from typing import Any

#: Environment variables a multi-process launcher sets (torchrun/accelerate, MPI flavours).
WORLD_SIZE_VARS = ("WORLD_SIZE", "PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "MV2_COMM_WORLD_SIZE")
_MISSING = object()


def launched_processes() -> int:
    """How many processes the launcher started (1 outside ``accelerate launch``/``torchrun``)."""
    from accelerate.utils import get_int_from_env

    return get_int_from_env(list(WORLD_SIZE_VARS), 1)


def make_accelerator(device: str | None) -> Any | None:
    """The ``Accelerator`` of a multi-process launch (None in a single process). CPU runs
    (``device`` ``cpu``, or no CUDA) join a ``gloo`` group; the timeout is lm-eval's (a year:
    rank 0 may generate far longer than the default 30 minutes before the next collective)."""
    if launched_processes() <= 1:
        return None
    import torch

    from audiomcq_plugins.processes import end_distributed_at_exit

    end_distributed_at_exit()
    from accelerate import Accelerator, InitProcessGroupKwargs

    cpu = str(device) == "cpu" or not torch.cuda.is_available()
    accelerator = Accelerator(
        cpu=cpu, kwargs_handlers=[InitProcessGroupKwargs(timeout=timedelta(weeks=52))]
    )
    return accelerator if accelerator.num_processes > 1 else None


def interleave(per_rank: Sequence[Sequence[Any]]) -> list[Any]:
    """Round-robin merge: rank r's k-th entry was document ``k * N + r``."""
    return [
        x
        for x in chain.from_iterable(zip_longest(*per_rank, fillvalue=_MISSING))
        if x is not _MISSING
    ]


def _merge_samples(per_rank: Sequence[Sequence[dict]]) -> list[dict]:
    """Logged samples come per filter, documents in order within each: interleave per filter."""
    filters = list(dict.fromkeys(s.get("filter") for s in chain.from_iterable(per_rank)))
    return [
        sample
        for f in filters
        for sample in interleave([[s for s in rank if s.get("filter") == f] for rank in per_rank])
    ]


def merge_in_document_order(objs: Sequence[Any]) -> Any:
    """The ranks' per-task structures (``{task: [samples]}`` or ``{task: {metric: [values]}}``)
    merged into the order one process would have produced."""
    first = objs[0]
    if isinstance(first, dict):
        keys = list(dict.fromkeys(chain.from_iterable(o.keys() for o in objs)))
        return {k: merge_in_document_order([o.get(k, []) for o in objs]) for k in keys}
    if isinstance(first, list):
        if any(isinstance(x, dict) and "doc_id" in x for o in objs for x in o):
            return _merge_samples(objs)
        return interleave(objs)
    return list(objs)


class _CappedResponses(list):
    """The ``resps`` of a request lm-eval padded a rank with: keeps its first ``cap``."""

    def __init__(self, items: list, cap: int) -> None:
        super().__init__(items)
        self.cap = cap

    def append(self, item: Any) -> None:
        if len(self) < self.cap:
            super().append(item)


class DataParallel:
    """lm-eval's data-parallel members; mix in before ``lm_eval.api.model.LM`` and call
    :meth:`_join_launch` first. As in lm-eval's ``hf`` model, ``self.accelerator`` exists only
    in a multi-process launch (lm-eval's ``parallelize`` logic tests for it)."""

    def _join_launch(self, device: str | None) -> str | None:
        """Join a multi-process launch: set rank and world size; return this process's device
        (None in one process: keep the requested one)."""
        accelerator = make_accelerator(device)
        if accelerator is None:
            return None
        self.accelerator = accelerator
        self._rank = accelerator.process_index
        self._world_size = accelerator.num_processes
        return str(accelerator.device)

    def _without_padding(self, run: Any, requests: list[Any], *args: Any) -> list[Any]:
        """``run(requests)`` without the evaluator's padding (a request listed more than its
        ``repeats`` times): the copies get their original's response, which records it once."""
        if getattr(self, "accelerator", None) is None:
            return run(requests, *args)
        count: dict[int, int] = {}
        first: dict[int, int] = {}
        kept: list[Any] = []
        source: list[int] = []
        for inst in requests:
            seen = count[id(inst)] = count.get(id(inst), 0) + 1
            if seen <= max(1, getattr(inst, "repeats", 1) or 1):
                first.setdefault(id(inst), len(kept))
                source.append(len(kept))
                kept.append(inst)
                continue
            source.append(first[id(inst)])
            if not isinstance(inst.resps, _CappedResponses):
                inst.resps = _CappedResponses(inst.resps, max(1, inst.repeats or 1))
        results = run(kept, *args)
        return [results[i] for i in source]

    def generate_until(self, requests: list[Any], disable_tqdm: bool = False) -> list[Any]:
        return self._without_padding(super().generate_until, requests, disable_tqdm)

    def loglikelihood(self, requests: list[Any], disable_tqdm: bool = False) -> list[Any]:
        return self._without_padding(super().loglikelihood, requests, disable_tqdm)

    def all_gather(self, tensor: Any) -> Any:
        accelerator = getattr(self, "accelerator", None)
        return tensor if accelerator is None else accelerator.gather(tensor)

    def gather_object(self, obj: Any, dst: int = 0) -> list[Any] | None:
        """On ``dst``: a one-element list holding every rank's ``obj`` merged in one-process
        order (the evaluator concatenates the list's entries); None elsewhere."""
        if getattr(self, "accelerator", None) is None:
            return [obj]
        import torch.distributed as dist

        gathered: list[Any] | None = [None] * self._world_size if self._rank == dst else None
        dist.gather_object(obj, object_gather_list=gathered, dst=dst)
        return None if gathered is None else [merge_in_document_order(gathered)]

    def barrier(self) -> None:
        if getattr(self, "accelerator", None) is not None:
            self.accelerator.wait_for_everyone()


def placement(
    lm: Any,
    *,
    parallelize: bool,
    device_map: str | None = None,
    max_memory_per_gpu: int | str | None = None,
    max_cpu_memory: int | str | None = None,
    offload_folder: str | None = "./offload",
) -> dict[str, Any]:
    """``from_pretrained`` placement kwargs for lm-eval's ``parallelize=True`` convention (a
    model too big for one device is split over the GPUs; under a multi-process launch each
    process takes its share of the node's GPUs), computed by lm-eval's ``hf`` model's own code.
    ``{}`` without ``parallelize`` (the model goes to ``device`` whole)."""
    if not parallelize:
        return {}
    import torch
    from lm_eval.models.huggingface import HFLM

    kwargs = HFLM._get_accelerate_args(
        lm,
        parallelize=True,
        device_map=device_map,
        max_memory_per_gpu=max_memory_per_gpu,
        max_cpu_memory=max_cpu_memory,
        offload_folder=offload_folder,
        gpus=torch.cuda.device_count(),
    )
    return {k: v for k, v in kwargs.items() if v is not None}
