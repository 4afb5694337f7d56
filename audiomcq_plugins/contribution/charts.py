"""The report's charts (matplotlib, the ``plots`` extra): per task, clip vs silence, weak vs
strong, and weak vs strong with silence, per model; and the position-bias charts."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audiomcq_plugins.contribution import position
from audiomcq_plugins.items import CONTRIBUTIONS

if TYPE_CHECKING:
    from audiomcq_plugins.contribution.report import Row


def _bars(
    ax: Any, labels: list[str], series: dict[str, list[float]], ylabel: str = "accuracy (%)"
) -> None:
    width = 0.8 / max(1, len(series))
    for k, (name, values) in enumerate(series.items()):
        xs = [i + k * width for i in range(len(labels))]
        ax.bar(xs, [0 if math.isnan(v) else 100 * v for v in values], width, label=name)
    ax.set_xticks([i + width * (len(series) - 1) / 2 for i in range(len(labels))])
    ax.set_xticklabels(labels, rotation=20, ha="right", fontsize=8)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8)


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def audio_charts(rows: Sequence[Row], out: Path) -> dict[str, list[str]]:
    """Per task: clip vs silence, weak vs strong, and weak vs strong with silence, per model
    (one PNG)."""
    plt = _pyplot()
    made: dict[str, list[str]] = {}
    for task in sorted({r.task for r in rows}):
        mine = [r.to_dict() for r in rows if r.task == task]
        models = [d["model"] for d in mine]
        fig, (a, b, c) = plt.subplots(1, 3, figsize=(15, 4))
        _bars(a, models, {k: [d[f"acc_{k}"] for d in mine] for k in ("clip", "silent")})
        a.set_title(f"{task}: clip vs silence")
        _bars(b, models, {k: [d[f"acc_ac{k}"] for d in mine] for k in CONTRIBUTIONS})
        b.set_title(f"{task}: weak vs strong items")
        _bars(c, models, {k: [d[f"silent_acc_ac{k}"] for d in mine] for k in CONTRIBUTIONS})
        c.set_title(f"{task}: with silence, weak vs strong")
        made[task] = [_save(plt, fig, out / f"{task}.png")]
    return made


def _save(plt: Any, fig: Any, path: Path) -> str:
    """Lay out, write and close one figure; returns its file name."""
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path.name


def bias_charts(rows: Sequence[position.BiasRow], out: Path) -> dict[str, list[str]]:
    """Per permuted task: accuracy by the answer's position and chosen positions, per model."""
    plt = _pyplot()
    made: dict[str, list[str]] = {}
    for task in sorted({r.task for r in rows}):
        mine = [r.to_dict() for r in rows if r.task == task]
        letters = [x for x in position.LETTERS if any(x in d["chosen_positions"] for d in mine)]
        fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
        acc = {
            d["model"]: [d["accuracy_by_answer_position"].get(x, math.nan) for x in letters]
            for d in mine
        }
        _bars(a, letters, acc)
        a.set_title(f"{task}: accuracy by the answer's position")
        chose = {
            d["model"]: [d["chosen_positions"].get(x, math.nan) for x in letters] for d in mine
        }
        _bars(b, letters, chose, ylabel="answers choosing it (%)")
        b.set_title(f"{task}: chosen positions")
        made[task] = [_save(plt, fig, out / f"{task}_positions.png")]
    return made
