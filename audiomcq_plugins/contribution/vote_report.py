"""The report's section on a labels file (``audiomcq report --labels FILE``): how the vote was
made, how many items it called weak, and, when the benchmark ships labels of its own (the
synthetic suite, AudioMCQ), its confusion against them and each voter's accuracy without the
audio on the shipped-weak and shipped-strong items.

The shipped labels are read from the samples of the runs given to the report (each sample's
``doc.record``); nothing is recomputed.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from audiomcq_plugins.contribution import labels as labels_mod
from audiomcq_plugins.contribution import recovery
from audiomcq_plugins.contribution.samples import Run


def shipped(runs: Sequence[Run], task: str) -> dict[str, str]:
    """``{id: weak|strong}`` the benchmark's own items carry, from the samples of its runs."""
    out: dict[str, str] = {}
    for run in runs:
        if not run.task.startswith(task):
            continue
        for sample in run.samples:
            record = json.loads((sample.get("doc") or {}).get("record") or "{}")
            if record.get("audio_contribution") in ("weak", "strong"):
                out[record["id"]] = record["audio_contribution"]
    return out


def per_voter(rows: Sequence[dict[str, Any]], truth: dict[str, str]) -> dict[str, dict]:
    """Per voter: share answered correctly without the audio, on shipped-weak and -strong."""
    tally: dict[str, dict[str, list[int]]] = {}
    for row in rows:
        for name, verdict in (row.get("votes") or {}).items():
            mine = tally.setdefault(name, {"weak": [0, 0], "strong": [0, 0]})
            mine[truth[row["id"]]][0] += int(bool(verdict.get("correct")))
            mine[truth[row["id"]]][1] += 1
    return {
        name: {k: (c / n if n else math.nan, n) for k, (c, n) in mine.items()}
        for name, mine in tally.items()
    }


def collect(labels_file: str | Path, runs: Sequence[Run]) -> dict[str, Any]:
    """The vote's provenance and summary; with shipped labels, its recovery of them."""
    head, voted = labels_mod.read(labels_file)
    lines = Path(labels_file).read_text(encoding="utf-8").splitlines()[1:]
    rows = [json.loads(line) for line in lines if line.strip()]
    out: dict[str, Any] = {
        "labels_file": str(labels_file),
        "task": head.get("task"),
        "rule": head.get("rule_text") or head.get("rule"),
        "summary": head.get("summary"),
        "probes": [
            f"{p.get('name')} ({p.get('kind')}, {(p.get('silence') or {}).get('audio')})"
            for p in head.get("probes") or []
        ],
    }
    truth = shipped(runs, str(head.get("task") or ""))
    if truth and set(truth) == set(voted):
        out["recovery"] = recovery.recovery(truth, voted)
        out["voters"] = per_voter(rows, truth)
    return out


def markdown(found: dict[str, Any]) -> list[str]:
    lines = ["", "## The vote", "", f"Labels: `{found['labels_file']}` ({found['task']}; "
             f"{found['rule']}); voters: {', '.join(found['probes'])}; "
             f"summary: {found['summary']}."]  # fmt: skip
    if "recovery" not in found:
        return [*lines, "", "The benchmark ships no labels of its own to compare with."]
    r = found["recovery"]
    c = r["counts"]
    lines += ["", f"Against the labels the benchmark ships: precision of *weak* "
              f"{r['precision_weak']:.3f}, recall {r['recall_weak']:.3f}.", "",
              "| shipped \\ voted | weak | strong |", "|---|---|---|",
              f"| weak | {c['weak/weak']} | {c['weak/strong']} |",
              f"| strong | {c['strong/weak']} | {c['strong/strong']} |", "",
              "| voter | correct without audio: shipped weak (n) | shipped strong (n) |",
              "|---|---|---|"]  # fmt: skip
    for name, v in found["voters"].items():
        (w, nw), (s, ns) = v["weak"], v["strong"]
        lines.append(f"| {name} | {100 * w:.1f} ({nw}) | {100 * s:.1f} ({ns}) |")
    return lines
