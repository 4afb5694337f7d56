"""The report's *Position bias* section, from ``<task>_circular`` / ``<task>_perm`` runs.

Per model and permuted task: accuracy by the position (letter) the answer was shown at
(``acc_pos_<letter>``), the share of answers choosing each position (``chosen_pos_<letter>``,
plus ``unparsed``), and the CircularEval headline (``acc_circular``, ``acc_mean`` ±
``acc_std``, ``choice_changed``). Every number is read from the results JSON.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from audiomcq_plugins.contribution.samples import Run
from audiomcq_plugins.items import LETTERS
from audiomcq_plugins.tasks import VARIANTS

#: Task-name suffixes of the variants that ask each item under several option orders.
PERMUTED_SUFFIXES = tuple(v.suffix for v in VARIANTS if v.permuted)
HEADLINE = ("acc_circular", "acc_mean", "acc_std", "choice_changed")


def is_permuted(task: str) -> bool:
    """Whether ``task`` is a ``<task>_circular`` / ``<task>_perm`` variant."""
    return any(task.endswith(f"_{s}") for s in PERMUTED_SUFFIXES)


def _known(x: float | None) -> bool:
    return x is not None and not math.isnan(x)


@dataclass
class BiasRow:
    """One model on one permuted task."""

    model: str
    task: str
    metrics: dict[str, float]

    def letters(self) -> list[str]:
        """The positions the task shows: those with an answer there or a choice of them."""
        m = self.metrics
        return [
            x
            for x in LETTERS
            if _known(m.get(f"acc_pos_{x.lower()}")) or m.get(f"chosen_pos_{x.lower()}", 0) > 0
        ]

    def to_dict(self) -> dict[str, Any]:
        m, letters = self.metrics, self.letters()
        return {
            "section": "position_bias",
            "model": self.model,
            "task": self.task,
            **{k: m.get(k, math.nan) for k in HEADLINE},
            "accuracy_by_answer_position": {
                x: m[f"acc_pos_{x.lower()}"]
                for x in letters
                if _known(m.get(f"acc_pos_{x.lower()}"))
            },
            "chosen_positions": {x: m.get(f"chosen_pos_{x.lower()}", math.nan) for x in letters},
            "unparsed": m.get("unparsed", math.nan),
        }


def collect(
    runs: Sequence[Run], metrics: Callable[[dict[str, Any]], dict[str, float]]
) -> list[BiasRow]:
    """One row per (model, permuted task) among ``runs``; ``metrics`` reads a run's results."""
    rows: dict[tuple[str, str], BiasRow] = {}
    sources: dict[tuple[str, str], Run] = {}
    for run in runs:
        if not is_permuted(run.task):
            continue
        key = (run.short_name, run.task)
        if key in sources:
            raise ValueError(
                f"{run.short_name} has two {run.task} runs ({sources[key].source} and "
                f"{run.source}); pass one"
            )
        sources[key] = run
        rows[key] = BiasRow(run.short_name, run.task, metrics(run.results))
    return sorted(rows.values(), key=lambda r: (r.task, r.model))


def _pct(x: float) -> str:
    return f"{100 * x:.1f}" if _known(x) else "–"


def markdown(rows: Sequence[BiasRow], charts: dict[str, list[str]]) -> list[str]:
    """The section's lines (empty without permuted runs)."""
    if not rows:
        return []
    lines = ["", "## Position bias", "",
             "In %, from the option-order runs. *Circular* = correct under every order; *mean ± "
             "std* = accuracy over orders; *changed* = share of items whose chosen option "
             "changed with the order. *Answer at X* = accuracy on the asks whose answer was "
             "shown at X; *chose X* = share of answers picking position X."]  # fmt: skip
    for task in sorted({r.task for r in rows}):
        mine = [r for r in rows if r.task == task]
        letters = [x for x in LETTERS if any(x in r.letters() for r in mine)]
        lines += ["", f"### {task}", "", "| model | circular | mean ± std | changed |",
                  "|---|---|---|---|"]  # fmt: skip
        for r in mine:
            d = r.to_dict()
            lines.append(
                f"| {r.model} | {_pct(d['acc_circular'])} | {_pct(d['acc_mean'])} ± "
                f"{_pct(d['acc_std'])} | {_pct(d['choice_changed'])} |"
            )
        head = [f"answer at {x}" for x in letters] + [f"chose {x}" for x in letters]
        lines += ["", f"| model | {' | '.join(head)} | unparsed |",
                  "|---|" + "---|" * (len(head) + 1)]  # fmt: skip
        for r in mine:
            d = r.to_dict()
            acc = [_pct(d["accuracy_by_answer_position"].get(x, math.nan)) for x in letters]
            chose = [_pct(d["chosen_positions"].get(x, math.nan)) for x in letters]
            lines.append(f"| {r.model} | {' | '.join(acc + chose)} | {_pct(d['unparsed'])} |")
        lines += [""] + [f"![{task}]({c})" for c in charts.get(task, [])]
    return lines
