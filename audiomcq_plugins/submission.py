"""Submission files for benchmarks whose answers are withheld (MMAU test): the authors' online
evaluator scores them. :data:`WRITERS` maps a benchmark family to its writer; :func:`write`
loads the benchmark (for the source records and the full item list) and refuses predictions
that do not cover every item.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from audiomcq_plugins.benchmarks import mmau

#: family -> ``writer(items, predictions, path) -> records written``
WRITERS: dict[str, Callable[..., int]] = {"mmau": mmau.write_submission}


class IncompleteRunError(ValueError):
    """The predictions do not cover every item of the benchmark."""


def supports(benchmark: str) -> bool:
    """Whether ``benchmark`` is scored online from a submission file this package writes."""
    from audiomcq_plugins import plugins

    spec = plugins.get("benchmarks", benchmark)
    return spec.answers_withheld and spec.family in WRITERS


def write(
    benchmark: str,
    predictions: Mapping[str, str],
    out: str | Path,
    source: str | Path | None = None,
    **load_options: Any,
) -> int:
    """Write ``benchmark``'s submission file from ``{item id: model output}``; returns the
    number of records. Raises :class:`IncompleteRunError` naming missing (or unknown) ids."""
    from audiomcq_plugins import plugins

    spec = plugins.get("benchmarks", benchmark)
    if not supports(benchmark):
        with_writer = [n for n in plugins.registry("benchmarks").entries if supports(n)]
        raise ValueError(
            f"benchmark {benchmark!r} has no submission file (its answers are shipped, or its "
            f"family has no writer); benchmarks with one: {', '.join(with_writer)}"
        )
    items = spec.load(source, **load_options).items
    ids = {it.id for it in items}
    missing = [it.id for it in items if it.id not in predictions]
    unknown = sorted(set(predictions) - ids)
    if missing or unknown:
        raise IncompleteRunError(
            f"the run covers {len(ids) - len(missing)} of {len(ids)} {benchmark} items"
            + (f"; missing e.g. {missing[:3]}" if missing else "")
            + (f"; not in the benchmark e.g. {unknown[:3]}" if unknown else "")
            + ": evaluate every item (no --limit) on the same data before submitting"
        )
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    return WRITERS[spec.family](items, predictions, out)
