"""The documents and metrics of the option-order variants (``<task>_circular``, ``<task>_perm``),
for every harness.

Each item becomes one document per order (:mod:`audiomcq_plugins.permutations`), carrying the
item id and the order. Harnesses score documents one at a time, so per-item metrics travel as
per-document :data:`~audiomcq_plugins.permutations.Outcome` tuples and the aggregation functions
(``permutations.circular_accuracy``, ...) group them by item. Position-bias metrics are plain
per-document values (NaN where they do not apply), averaged over the documents they apply to.
"""

from __future__ import annotations

import math
from typing import Any

from audiomcq_plugins import permutations
from audiomcq_plugins.items import LETTERS
from audiomcq_plugins.scoring.extract import key

CORE = "audiomcq_plugins.permutations"
#: metric -> (aggregation function in :mod:`audiomcq_plugins.permutations`, higher is better)
ITEM_METRICS: dict[str, tuple[str, bool]] = {
    "acc_circular": ("circular_accuracy", True),
    "acc_circular_official": ("circular_accuracy", True),
    "acc_mean": ("order_mean", True),
    "acc_std": ("order_std", False),
    "choice_changed": ("choice_changed", False),
}


def position_metrics() -> list[str]:
    """``acc_pos_<letter>`` (accuracy where the answer is shown there) and ``chosen_pos_<letter>``
    (how often the model picks that position), for every letter."""
    letters = [x.lower() for x in LETTERS]
    return [f"acc_pos_{x}" for x in letters] + [f"chosen_pos_{x}" for x in letters]


def circular_breakdown_metric(name: str) -> str:
    """``acc_<field>_<value>`` -> ``acc_circular_<field>_<value>``."""
    return "acc_circular_" + name.removeprefix("acc_")


def options(kwargs: dict[str, Any]) -> dict[str, Any] | None:
    """The order settings of a task from its metadata, or None for an unpermuted task."""
    mode = kwargs.get("permute")
    if not mode:
        return None
    if mode not in permutations.MODES:
        raise ValueError(f"metadata.permute must be one of {permutations.MODES}, not {mode!r}")
    k = kwargs.get("permutations", permutations.DEFAULT_PERMUTATIONS)
    seed = kwargs.get("permutation_seed", permutations.DEFAULT_SEED)
    if not isinstance(k, int) or isinstance(k, bool) or k < 1:
        raise ValueError(f"metadata.permutations must be a whole number >= 1, not {k!r}")
    return {"mode": mode, "k": k, "seed": seed}


def expand(row: dict[str, Any], settings: dict[str, Any], render: Any) -> list[dict[str, Any]]:
    """One document per order of ``row``'s item; ``render(choices)`` is the prompt."""
    choices = row["choices"]
    answer_index = row["answer_index"] if row["answer_index"] >= 0 else None
    out = []
    for j, order in enumerate(
        permutations.orders(
            len(choices),
            settings["mode"],
            k=settings["k"],
            seed=settings["seed"],
            item_id=row["id"],
        )
    ):
        shown = permutations.apply(choices, order)
        answer_shown = permutations.shown_index(order, answer_index)
        out.append(
            {
                **row,
                "prompt": render(shown),
                "choices": shown,
                "answer_index": -1 if answer_shown is None else answer_shown,
                "original_choices": list(choices),
                "order": list(order),
                "order_index": j,
            }
        )
    return out


def metrics(
    doc: dict[str, Any], strict: Any, official: Any, breakdowns: dict[str, float]
) -> dict[str, Any]:
    """The per-item and position metrics of one permuted document, given its strict and
    official verdicts and its plain per-breakdown values (NaN: not a member)."""
    original = permutations.map_back(doc["order"], strict.choice)
    chosen = None if original is None else key(doc["original_choices"][original])
    item, j = doc["id"], int(doc["order_index"])
    outcome = (item, j, float(strict.correct), chosen)
    out: dict[str, Any] = {
        name: outcome for name in ITEM_METRICS if name != "acc_circular_official"
    }
    out["acc_circular_official"] = (
        (item, j, float(official.correct), chosen) if official.counted else math.nan
    )
    for name, value in breakdowns.items():
        member = not (isinstance(value, float) and math.isnan(value))
        out[circular_breakdown_metric(name)] = outcome if member else math.nan
    answer_at = doc["answer_index"]
    for p, letter in enumerate(LETTERS.lower()):
        out[f"acc_pos_{letter}"] = float(strict.correct) if p == answer_at else math.nan
        out[f"chosen_pos_{letter}"] = float(strict.choice == p)
    return out
