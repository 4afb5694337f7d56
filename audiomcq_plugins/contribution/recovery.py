"""How well voted labels recover known ones (the synthetic suite's, weak/strong by construction).

Precision of "weak": the share of voted-weak items that are weak by construction; recall: the
share of constructed-weak items that the vote calls weak. Used by ``make demo`` (stage 5) and
``scripts/contribution_recovery.py``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from audiomcq_plugins.contribution.vote import VoteError
from audiomcq_plugins.items import CONTRIBUTIONS


def recovery(truth: Mapping[str, str], voted: Mapping[str, str]) -> dict[str, Any]:
    """Precision and recall of "weak" and the confusion counts (``"<truth>/<voted>"``).

    ``truth`` and ``voted`` map item id -> ``weak``/``strong`` and must cover the same items.
    """
    if set(truth) != set(voted):
        only_truth, only_voted = sorted(set(truth) - set(voted)), sorted(set(voted) - set(truth))
        raise VoteError(
            f"the labels cover {len(voted)} items, the known labels {len(truth)} "
            f"(e.g. only known: {only_truth[:3]}, only voted: {only_voted[:3]}); "
            "label the same items (same suite, n and seed)"
        )
    counts = {f"{t}/{v}": 0 for t in CONTRIBUTIONS for v in CONTRIBUTIONS}
    for item_id, t in truth.items():
        counts[f"{t}/{voted[item_id]}"] += 1
    tp, fp, fn = counts["weak/weak"], counts["strong/weak"], counts["weak/strong"]
    return {
        "items": len(truth),
        "constructed_weak": tp + fn,
        "voted_weak": tp + fp,
        "precision_weak": tp / (tp + fp) if tp + fp else math.nan,
        "recall_weak": tp / (tp + fn) if tp + fn else math.nan,
        "counts": counts,
    }


def describe(result: Mapping[str, Any]) -> list[str]:
    """Printable lines of a :func:`recovery` result."""
    lines = [
        f"items {result['items']}  constructed weak {result['constructed_weak']}  "
        f"voted weak {result['voted_weak']}",
        f"precision(weak) {result['precision_weak']:.3f}  recall(weak) {result['recall_weak']:.3f}",
    ]
    for key, count in sorted(result["counts"].items()):
        t, v = key.split("/")
        lines.append(f"  constructed {t:6s} voted {v:6s} {count}")
    return lines
