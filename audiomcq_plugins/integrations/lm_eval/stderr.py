"""Standard errors for the NaN-skipping aggregation of our tasks' metrics.

Our generation tasks aggregate with :func:`.tasks.nanmean` (a document a metric does not apply
to scores NaN and is skipped). lm-eval 0.4.13 asks ``stderr_for_metric(aggregation)`` for a
standard error and knows closed forms only for its own ``mean``; anything else prints
``Stderr N/A`` (its registered ``nanmean`` is bootstrapped 100,000 times per metric, which costs
more than a small model's whole evaluation). :func:`install` teaches lm-eval the closed form
for our ``nanmean``: the ``mean`` standard error over the documents the metric applies to.

It is installed when a task of ours loads its data (:func:`.tasks.load_dataset`), on the
lm-eval versions in :data:`.compat.TESTED_LM_EVAL_VERSIONS` only; elsewhere it stays out and
the table shows ``N/A`` as before.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from typing import Any

log = logging.getLogger(__name__)


def kept(values: Sequence[float]) -> list[float]:
    """``values`` without the NaNs that mark documents a metric does not apply to."""
    return [v for v in values if not (isinstance(v, float) and math.isnan(v))]


def nanmean_stderr(values: Sequence[float]) -> float:
    """lm-eval's ``mean`` standard error (sample standard deviation over sqrt n) over the
    non-NaN values; NaN when fewer than two remain."""
    xs = kept(values)
    if len(xs) < 2:
        return math.nan
    mu = sum(xs) / len(xs)
    return math.sqrt(sum((x - mu) ** 2 for x in xs) / (len(xs) - 1)) / math.sqrt(len(xs))


def install() -> bool:
    """Make lm-eval's ``stderr_for_metric`` return :func:`nanmean_stderr` for our ``nanmean``
    (idempotent). Returns whether it is installed; on an untested lm-eval it logs why not."""
    from lm_eval import evaluator_utils

    from audiomcq_plugins.integrations.lm_eval.compat import (
        UnsupportedLMEvalVersion,
        require_tested_lm_eval,
    )
    from audiomcq_plugins.integrations.lm_eval.tasks import nanmean

    original = evaluator_utils.stderr_for_metric
    if getattr(original, "_audiomcq", False):
        return True
    try:
        require_tested_lm_eval("standard errors of the audio tasks' metrics")
    except UnsupportedLMEvalVersion as exc:
        log.warning("%s Metrics of the audio tasks will show no standard error.", exc)
        return False

    def stderr_for_metric(metric: Callable[..., Any], bootstrap_iters: int) -> Any:
        if metric is nanmean and bootstrap_iters > 0:
            return nanmean_stderr
        return original(metric, bootstrap_iters)

    stderr_for_metric._audiomcq = True  # type: ignore[attr-defined]
    stderr_for_metric.__wrapped__ = original  # type: ignore[attr-defined]
    evaluator_utils.stderr_for_metric = stderr_for_metric
    return True
