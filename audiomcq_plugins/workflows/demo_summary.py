"""The demo's numbers: the clip/silence breakdown of one lm-eval run, the headline accuracies of
each evaluated model, and the last lines ``make demo`` prints."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from audiomcq_plugins.workflows import tiny_recipe

TASKS = (
    "audiomcq_synth",
    "audiomcq_synth_silent",
    "audiomcq_synth_acstrong",
    "audiomcq_synth_acweak",
)


def breakdown_table(results: dict[str, Any]) -> str:
    """Rows: the overall metrics and every ``acc_<field>_<value>``; columns: clip, silent,
    clip - silent."""
    clip, silent = (results["results"].get(t, {}) for t in TASKS[:2])
    rows = []
    for key in clip:
        if not key.endswith(",none") or "_stderr" in key:
            continue
        metric = key.removesuffix(",none")
        a, b = clip.get(key), silent.get(key)
        if not isinstance(a, float) or not isinstance(b, float):
            continue
        rows.append((metric, a, b))
    width = max(len(m) for m, _, _ in rows) if rows else 10
    lines = [f"{'metric':<{width}}  {'clip':>6}  {'silent':>6}  {'delta':>6}"]
    lines.append("-" * len(lines[0]))
    for metric, a, b in rows:
        lines.append(f"{metric:<{width}}  {a:6.3f}  {b:6.3f}  {a - b:+6.3f}")
    return "\n".join(lines)


def headline(results: dict[str, Any]) -> dict[str, float]:
    """Accuracy on the voted-strong and voted-weak subsets, on the constructed-strong items with
    the clip and with silence, and the unparsed rate."""
    r = results["results"]
    clip, silent = r[TASKS[0]], r[TASKS[1]]
    return {
        "voted_strong": r.get(TASKS[2], {}).get("acc,none", math.nan),
        "voted_weak": r.get(TASKS[3], {}).get("acc,none", math.nan),
        "strong": clip["acc_audio_contribution_strong,none"],
        "strong_silent": silent["acc_audio_contribution_strong,none"],
        "weak": clip["acc_audio_contribution_weak,none"],
        "weak_silent": silent["acc_audio_contribution_weak,none"],
        "unparsed": clip["unparsed,none"],
    }


def print_headline(summary: dict[str, Any]) -> None:
    """The last lines: where everything is, then the headline numbers."""
    out = Path(summary["out"])
    names = {"base": "hearing base", "sft": "weak SFT", "trained": "Weak-to-Strong"}
    print(f"\nresults: {out / 'eval'}  commands: {out / 'commands.txt'}")
    print(f"summary: {out / 'summary.json'}  labels: {out / 'labels'}")
    print(f"report:  {summary['report']} (+ PNG charts beside it)")
    for key, found in summary["vote"].items():
        print(
            f"silent-audio vote ({key.replace('_', ', ')} silence, 2 of 3) vs hidden labels: "
            f"precision(weak) {found['precision_weak']:.3f}  recall(weak) "
            f"{found['recall_weak']:.3f}  ({found['voted_weak']} voted weak, "
            f"{found['constructed_weak']} weak of {found['items']})"
        )
    print("held-out accuracy (strong items need the audio; chance 25 %):")
    for name, r in summary["eval"].items():
        pct = {k: f"{100 * v:5.1f} %" for k, v in r.items() if isinstance(v, float)}
        print(
            f"  {names.get(name, name):<15} voted-strong {pct['voted_strong']}  strong "
            f"{pct['strong']}  silent {pct['strong_silent']}  weak {pct['weak']}  "
            f"unparsed {pct['unparsed']}"
        )
    print_construction(summary)
    print(
        f"done in {summary['total_seconds']:.0f} s "
        f"({summary['total_cpu_seconds']:.0f} s of CPU, training subprocesses included)"
    )


#: Where ``scripts/paradigm_table.py --json`` keeps the table trained on construction labels.
CONSTRUCTION_TABLE = tiny_recipe.REPO / "runs" / "paradigms" / "construction.json"


def print_construction(summary: dict[str, Any]) -> None:
    """Beside the voted-label result: Weak-to-Strong trained on the construction labels, from
    the paradigm table's JSON when it was run, else the command that makes it."""
    if not CONSTRUCTION_TABLE.is_file():
        print(
            "Weak-to-Strong on the construction labels instead of the vote: "
            f"python scripts/paradigm_table.py --train-items {summary['train_items']} "
            f"--paradigms Weak-to-Strong --json {CONSTRUCTION_TABLE}"
        )
        return
    rows = json.loads(CONSTRUCTION_TABLE.read_text())
    mine = [r for r in rows if r["paradigm"] == "Weak-to-Strong" and r["stage"] == "grpo"]
    if mine:
        strong = sum(r["strong"] for r in mine) / len(mine)
        silent = sum(r["strong_silent"] for r in mine) / len(mine)
        print(
            f"  (on the construction labels, {CONSTRUCTION_TABLE}: Weak-to-Strong strong "
            f"{100 * strong:5.1f} %  silent {100 * silent:5.1f} %, {len(mine)} seed(s))"
        )
