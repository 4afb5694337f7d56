"""Probes from lm-eval ``--log_samples`` output: ``results_*.json`` + ``samples_<task>_*.jsonl``.

A run directory is whatever ``--output_path`` was given (lm-eval adds a folder per model). The
runs of one task variant by one model (same ``--model`` and ``--model_args``, runtime settings
such as ``device`` and ``batch_size`` aside) are one probe: its shards (``shard: i/n`` task
metadata) and its data-parallel ranks merge; an item answered twice is an error. Which kind of
probe a run is comes from the task's recorded audio mode: ``silence``/``noise`` -> audio,
``none`` -> text.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audiomcq_plugins.contribution.vote import Probe, Verdict, VoteError
from audiomcq_plugins.recordfiles import read_records

#: Task-name suffixes of the probe variants and the kind of probe each gives.
PROBE_SUFFIXES = {"silent": "audio", "text": "text"}  # (noise probes run the _silent tasks)
#: Scorer name -> the per-sample metric holding its verdict.
SCORER_METRICS = {"strict": "acc", "official": "acc_official"}
#: Model arguments that change how a model runs, not what it answers: runs that differ only in
#: them are the same voter. Every argument of our model classes is either here or in
#: :data:`ANSWER_ARGS` (tests/test_contribution_vote.py reads their signatures).
RUNTIME_ARGS = frozenset(
    {
        "device",
        "batch_size",
        "max_batch_size",
        "parallelize",
        "device_map",
        "max_memory_per_gpu",
        "max_cpu_memory",
        "offload_folder",
        "attn_implementation",
        "prefetch_encoder",
        "tensor_parallel_size",
        "data_parallel_size",
        "gpu_memory_utilization",
        "num_concurrent",
        "timeout",
        "max_retries",
        "backoff",
        "api_key_env",
        "max_tokens_field",
    }
)
#: Model arguments that can change what a model answers (kept in a voter's identity).
ANSWER_ARGS = frozenset(
    {
        "pretrained",
        "base_url",
        "model",
        "dtype",
        "revision",
        "trust_remote_code",
        "max_new_tokens",
        "system_prompt",
        "seed",
        "engine_args",
    }
)


@dataclass
class Run:
    """One task of one lm-eval results file, with its samples."""

    task: str
    model: str
    model_args: str
    metadata: dict[str, Any]
    samples: list[dict[str, Any]]
    source: Path
    results: dict[str, Any]

    @property
    def identity(self) -> str:
        kept = [
            part
            for part in self.model_args.split(",")
            if part and part.split("=", 1)[0].strip() not in RUNTIME_ARGS
        ]
        return f"{self.model}({','.join(kept)})"

    @property
    def short_name(self) -> str:
        for part in self.model_args.split(","):
            key, _, value = part.partition("=")
            if key.strip() == "pretrained" and value:
                return f"{self.model}:{Path(value.strip()).name or value.strip()}"
        return self.identity


def _model_args(config: dict[str, Any]) -> str:
    args = config.get("model_args") or ""
    if isinstance(args, dict):
        return ",".join(f"{k}={v}" for k, v in sorted(args.items()))
    return str(args)


def read_runs(dirs: Iterable[str | Path], require_samples: bool = True) -> list[Run]:
    """Every (results file, task) under ``dirs`` with its samples file (without one, its
    samples are empty unless ``require_samples``)."""
    runs = []
    for d in dirs:
        d = Path(d)
        if not d.exists():
            raise FileNotFoundError(f"--from-samples: {d} does not exist")
        found = sorted(d.rglob("results_*.json")) if d.is_dir() else [d]
        if not found:
            raise VoteError(
                f"no lm-eval results_*.json under {d}; run lm-eval with --output_path {d} "
                "--log_samples"
            )
        for path in found:
            runs.extend(_runs_of(path, require_samples))
    return runs


def _runs_of(results_path: Path, require_samples: bool) -> list[Run]:
    try:
        results = json.loads(results_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise VoteError(
            f"{results_path}: not an lm-eval results JSON ({exc}); pass the --output_path "
            "folder of an lm-eval run"
        ) from None
    if not isinstance(results, dict):
        raise VoteError(f"{results_path}: not an lm-eval results JSON (no object at the top)")
    stamp = results_path.stem.removeprefix("results_")
    config = results.get("config") or {}
    out = []
    for task, task_config in sorted((results.get("configs") or {}).items()):
        samples_path = results_path.parent / f"samples_{task}_{stamp}.jsonl"
        samples: list[dict[str, Any]] = []
        if not samples_path.is_file() and require_samples:
            raise VoteError(
                f"{results_path} has task {task} but no {samples_path.name}; "
                "rerun lm-eval with --log_samples"
            )
        if samples_path.is_file():
            samples = read_records(samples_path)
        out.append(
            Run(
                task=task,
                model=str(config.get("model") or results.get("model_name") or "?"),
                model_args=_model_args(config),
                metadata=dict(task_config.get("metadata") or {}),
                samples=samples,
                source=samples_path,
                results=dict((results.get("results") or {}).get(task) or {}),
            )
        )
    return out


def split_task(task: str) -> tuple[str, str | None]:
    """``mmar_silent`` -> (``mmar``, ``silent``); a task without a probe suffix -> (task, None)."""
    for suffix in PROBE_SUFFIXES:
        if task.endswith(f"_{suffix}"):
            return task[: -len(suffix) - 1], suffix
    return task, None


def _verdict(sample: dict[str, Any], metric: str, where: str) -> Verdict:
    value = sample.get(metric)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        raise VoteError(
            f"{where}: item {sample.get('doc', {}).get('id')!r} has no {metric!r} verdict "
            "(no answer key, or the scorer did not count it); label only items with answers"
        )
    resps = sample.get("filtered_resps") or [""]
    answer = resps[0] if isinstance(resps[0], str) else json.dumps(resps[0])
    return Verdict(answer=answer, correct=bool(value))


def probes_from_runs(runs: Sequence[Run], task: str, scorer: str = "strict") -> list[Probe]:
    """The probes of base task ``task`` among ``runs``: one per model and probe variant, its
    shards merged, in a stable order (by name)."""
    if scorer not in SCORER_METRICS:
        raise VoteError(f"scorer {scorer!r} is not one of {sorted(SCORER_METRICS)}")
    metric = SCORER_METRICS[scorer]
    grouped: dict[str, list[Run]] = {}
    for run in runs:
        base, suffix = split_task(run.task)
        if base == task and suffix is not None:
            grouped.setdefault(f"{run.identity}|{suffix}", []).append(run)
    if not grouped:
        seen = sorted({r.task for r in runs})
        raise VoteError(
            f"no {task}_silent / {task}_text samples in the given directories "
            f"(found tasks {seen}); run those tasks with --log_samples"
        )
    probes = []
    short = [parts[0].short_name for parts in grouped.values()]
    for _key, parts in sorted(grouped.items()):
        first = parts[0]
        suffix = split_task(first.task)[1] or ""
        name = first.short_name if short.count(first.short_name) == 1 else first.identity
        if sum(k.startswith(f"{first.identity}|") for k in grouped) > 1:
            name = f"{name}[{suffix}]"
        verdicts: dict[str, Verdict] = {}
        for run in parts:
            for sample in run.samples:
                item_id = str(sample["doc"]["id"])
                if item_id in verdicts:
                    raise VoteError(
                        f"item {item_id!r} answered twice by {first.identity} on {run.task} "
                        f"(again in {run.source}); remove the duplicate run or shard"
                    )
                verdicts[item_id] = _verdict(sample, metric, str(run.source))
        provenance = first.metadata.get("provenance") or {}
        probes.append(
            Probe(
                name=name,
                kind=PROBE_SUFFIXES[suffix],
                verdicts=verdicts,
                info={
                    "model": first.model,
                    "model_args": first.model_args,
                    "task": first.task,
                    "shards": sorted(str(r.metadata.get("shard", "0/1")) for r in parts),
                    "provenance": provenance,
                },
            )
        )
    return probes
