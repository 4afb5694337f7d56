"""Submission files from lm-eval runs: read the model outputs from a ``--log_samples`` file,
and after ``audiomcq eval`` write the submission of every task whose benchmark is scored online
(:mod:`audiomcq_plugins.submission`) next to its samples."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from audiomcq_plugins import submission
from audiomcq_plugins.recordfiles import read_jsonl
from audiomcq_plugins.tasks import task_defs


def _output(sample: dict[str, Any], line: int, path: Path) -> str:
    resp = sample.get("filtered_resps", sample.get("resps"))
    while isinstance(resp, list) and resp:
        resp = resp[0]
    if not isinstance(resp, str):
        raise ValueError(
            f"{path}, line {line}: field 'filtered_resps' = {resp!r} holds no generated text; "
            "pass the samples file of a generation task (written with --log_samples)"
        )
    return resp


def predictions(path: str | Path) -> dict[str, str]:
    """``{item id: model output}`` from an lm-eval samples JSONL (``samples_<task>_*.jsonl``)."""
    path = Path(path)
    out: dict[str, str] = {}
    for line, sample in enumerate(read_jsonl(path), start=1):
        doc = sample.get("doc") if isinstance(sample, dict) else None
        if not isinstance(doc, dict) or not isinstance(doc.get("id"), str):
            raise ValueError(
                f"{path}, line {line}: no 'doc.id'; is this an lm-eval samples file of one of "
                "our tasks (written with --log_samples)?"
            )
        if doc["id"] in out:
            raise ValueError(
                f"{path}, line {line}: item {doc['id']!r} again; a samples file holds each item "
                "once (were two runs concatenated?)"
            )
        out[doc["id"]] = _output(sample, line, path)
    if not out:
        raise ValueError(f"{path}: no samples; pass the samples_<task>_*.jsonl of a finished run")
    return out


def _flag(argv: Sequence[str], name: str) -> str | None:
    for i, arg in enumerate(argv):
        if arg == name and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


def write_after_run(argv: Sequence[str], started: float) -> list[Path]:
    """After an ``audiomcq eval`` run with ``--log_samples``: a submission file beside each new
    samples file of a task scored online; says where it is, or why none was written."""
    output_path, tasks = _flag(argv, "--output_path"), _flag(argv, "--tasks")
    if not output_path or not tasks or "--log_samples" not in argv:
        return []
    online = {t.name: t.benchmark for t in task_defs() if submission.supports(t.benchmark)}
    try:
        metadata = json.loads(_flag(argv, "--metadata") or "{}")
    except json.JSONDecodeError:
        metadata = {}  # lm-eval itself reports a malformed --metadata
    written = []
    for task in [t for t in tasks.split(",") if t in online]:
        files = [
            p
            for p in Path(output_path).expanduser().rglob(f"samples_{task}_*.jsonl")
            if p.stat().st_mtime >= started - 1  # file times may be coarser than ours
        ]
        for samples in files:
            out = samples.with_name(samples.name.replace("samples_", "submission_", 1))
            out = out.with_suffix(".json")
            source = (metadata.get("sources") or {}).get(online[task])
            try:
                n = submission.write(
                    online[task],
                    predictions(samples),
                    out,
                    source,
                    data_dir=metadata.get("data_dir"),
                )
            except submission.IncompleteRunError as exc:
                print(f"audiomcq: no submission file for {task}: {exc}", file=sys.stderr)
                continue
            print(
                f"audiomcq: {task} answers are withheld; the test split is scored online by the "
                f"benchmark authors. Submission file ({n} items): {out}",
                file=sys.stderr,
            )
            written.append(out)
    return written
