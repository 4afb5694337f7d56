"""What every harness reports for a generation task, and how: the documents of a task (its rows,
expanded per option order for ``_circular`` / ``_perm``), the metrics of one answer, and the
list of metrics with their aggregation. lm-eval, lmms-eval and lighteval render these, so the
same predictions give the same numbers in each.

A metric's ``aggregation`` is ``"mean"`` (over the documents it applies to: a document where it
does not apply carries NaN, which harnesses without NaN-skipping means drop, see
:func:`applicable`), ``"count"`` (a sum of 1.0 per member document) or the name of a per-item
function of :mod:`audiomcq_plugins.permutations` (``circular_accuracy``, ...).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from audiomcq_plugins import permuted_docs, task_docs
from audiomcq_plugins.task_docs import CONTRIBUTION_METRICS, COUNT_METRICS, breakdown_metric
from audiomcq_plugins.tasks import TaskDef

#: Where the per-item aggregation functions live.
PERMUTATIONS = "audiomcq_plugins.permutations"


@dataclass(frozen=True)
class MetricSpec:
    """One reported metric: its name, aggregation and direction (``None``: descriptive, e.g.
    position bias, neither better high nor low)."""

    name: str
    aggregation: str = "mean"
    higher: bool | None = True


def _permuted(task: TaskDef) -> list[MetricSpec]:
    out = [
        MetricSpec(name, fn, higher) for name, (fn, higher) in permuted_docs.ITEM_METRICS.items()
    ]
    for f, values in task.breakdowns.items():
        out += [
            MetricSpec(
                permuted_docs.circular_breakdown_metric(breakdown_metric(f, v)),
                "circular_accuracy",
            )
            for v in values
        ]
    return out + [MetricSpec(name, higher=None) for name in permuted_docs.position_metrics()]


def task_metrics(task: TaskDef) -> list[MetricSpec]:
    """The metrics of a generation task: strict and official accuracy, the unparsed rate, the
    weak/strong subset accuracies and counts, per-breakdown accuracy, and for option-order
    variants CircularEval, per-order spread and position bias."""
    out = [MetricSpec("acc"), MetricSpec("acc_official"), MetricSpec("unparsed", higher=False)]
    out += [MetricSpec(m, "count" if m in COUNT_METRICS else "mean") for m in CONTRIBUTION_METRICS]
    for f, values in task.breakdowns.items():
        out += [MetricSpec(breakdown_metric(f, v)) for v in values]
    if task.variant.permuted:
        out += _permuted(task)
    return out


def load_docs(**kwargs: Any) -> list[dict[str, Any]]:
    """The documents of a task (:func:`audiomcq_plugins.task_docs.load_rows` options, plus
    ``permute`` / ``permutations`` / ``permutation_seed``): one per item, or one per item and
    option order. A ``provenance`` mapping among the options is filled in."""
    from audiomcq_plugins.prompts import render

    order_settings = permuted_docs.options(kwargs)
    rows, provenance = task_docs.load_rows(**kwargs)
    if order_settings is not None:
        expanded = []
        for row in rows:
            question = json.loads(row["record"])["question"]
            prompt_format = json.loads(row["settings"])["prompt_format"]
            expanded += permuted_docs.expand(
                row, order_settings, lambda c, q=question, f=prompt_format: render(f, q, c)
            )
        rows = expanded
    if isinstance(kwargs.get("provenance"), dict):
        kwargs["provenance"].update({**provenance, "option_orders": order_settings})
    return rows


def score_doc(doc: dict[str, Any], prediction: Any) -> dict[str, Any]:
    """Every metric of one generated answer (:func:`task_docs.score_prediction`), and for an
    option-order document the per-item and position metrics (:func:`permuted_docs.metrics`)."""
    out: dict[str, Any] = task_docs.score_prediction(doc, prediction)
    if "order" in doc and doc["answer"]:
        strict, official = task_docs.verdicts(doc, prediction)
        breakdowns = json.loads(doc["settings"])["breakdowns"]
        per_breakdown = {
            breakdown_metric(f, v): out[breakdown_metric(f, v)]
            for f, values in breakdowns.items()
            for v in values
        }
        out.update(permuted_docs.metrics(doc, strict, official, per_breakdown))
    return out


def applicable(metrics: dict[str, Any]) -> dict[str, Any]:
    """``metrics`` without the ones that do not apply to the document (NaN), for harnesses
    whose means count every value they are given."""
    return {k: v for k, v in metrics.items() if not (isinstance(v, float) and math.isnan(v))}


#: The metrics a task group reports, weighted by its members' sizes.
GROUP_METRICS = ("acc", "acc_official")


def group_yaml(header: str, name: str, members: Iterable[str], version: str) -> str:
    """A lm-eval-style group YAML (lm-eval and lmms-eval read the same) reporting the
    size-weighted :data:`GROUP_METRICS` over its members."""
    metrics = "".join(
        f"  - metric: {m}\n    aggregation: mean\n    weight_by_size: true\n" for m in GROUP_METRICS
    )
    return (
        f"{header}group: {name}\n"
        f"task: [{', '.join(members)}]\n"
        f"aggregate_metric_list:\n{metrics}"
        f"metadata:\n  version: {version}\n"
    )
