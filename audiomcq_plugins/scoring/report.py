"""Aggregation: verdicts of many items -> one report (totals, breakdowns, per-item results).

Breakdown values: a string counts as itself; a list counts the item once under each distinct
element (MMAU's ``category`` is sometimes ``["Reasoning"]``: it joins the "Reasoning" group
rather than forming a group of its own); numbers and booleans count under their JSON text; a
missing, null or empty value leaves the item out of that field's breakdown (as the official
scripts do for a missing ``sub-category``). A field given as a tuple, e.g. ``("category",
"sub-category")``, breaks down by the combination, written ``"Cat / Sub"`` under the field
name ``"category / sub-category"``.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from audiomcq_plugins.scoring.matchers import Verdict

Field = str | tuple[str, ...]
SEPARATOR = " / "


def field_name(f: Field) -> str:
    return f if isinstance(f, str) else SEPARATOR.join(f)


def _values(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(dict.fromkeys(v for item in value for v in _values(item)))
    if isinstance(value, str):
        return [value] if value else []
    return [json.dumps(value)]


def breakdown_values(record: Mapping[str, Any], f: Field) -> list[str]:
    """The group(s) one record falls in for one breakdown field."""
    if isinstance(f, str):
        return _values(record.get(f))
    parts = [_values(record.get(name)) for name in f]
    return [SEPARATOR.join(combo) for combo in itertools.product(*parts)]


@dataclass
class Group:
    correct: int = 0
    total: int = 0

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"accuracy": self.accuracy, "correct": self.correct, "total": self.total}


@dataclass
class Report:
    """Totals count only ``counted`` items; ``dropped`` are those the official script drops
    (they still appear in ``items`` with ``counted: false``); ``unparsed`` counted items from
    which the scorer read no answer (all wrong)."""

    benchmark: str
    mode: str
    scorer: str
    correct: int = 0
    total: int = 0
    unparsed: int = 0
    dropped: int = 0
    breakdown: dict[str, dict[str, Group]] = field(default_factory=dict)
    verdicts: list[tuple[str, Verdict]] = field(default_factory=list)
    #: problems with the input that did not stop the scoring (shown on stderr)
    warnings: list[str] = field(default_factory=list)

    @property
    def items(self) -> list[dict[str, Any]]:
        """Per-item results: id, correct, parsed, counted, choice."""
        return [
            {
                "id": item_id,
                "correct": v.correct,
                "parsed": v.parsed,
                "counted": v.counted,
                "choice": v.choice,
            }
            for item_id, v in self.verdicts
        ]

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "benchmark": self.benchmark,
            "mode": self.mode,
            "scorer": self.scorer,
            "accuracy": self.accuracy,
            "correct": self.correct,
            "total": self.total,
            "unparsed": self.unparsed,
            "dropped": self.dropped,
            "breakdown": {
                name: {value: g.to_dict() for value, g in sorted(groups.items())}
                for name, groups in self.breakdown.items()
            },
            "items": self.items,
            "warnings": self.warnings,
        }


def aggregate(
    results: Iterable[tuple[str, Verdict, Mapping[str, Any]]],
    fields: Sequence[Field],
    *,
    benchmark: str = "",
    mode: str = "",
    scorer: str = "",
) -> Report:
    """Build a :class:`Report` from ``(item id, verdict, record)`` triples; ``record`` supplies
    the breakdown fields. Fields no counted item has are left out of the breakdown."""
    report = Report(benchmark=benchmark, mode=mode, scorer=scorer)
    groups: dict[str, dict[str, Group]] = {field_name(f): {} for f in fields}
    for item_id, verdict, record in results:
        report.verdicts.append((item_id, verdict))
        if not verdict.counted:
            report.dropped += 1
            continue
        report.total += 1
        report.correct += verdict.correct
        report.unparsed += not verdict.parsed
        for f, by_value in zip(fields, groups.values(), strict=True):
            raw = record.get(f) if isinstance(f, str) else None
            for value in (raw,) if type(raw) is str and raw else breakdown_values(record, f):
                g = by_value.get(value)
                if g is None:
                    g = by_value[value] = Group()
                g.total += 1
                g.correct += verdict.correct
    report.breakdown = {name: by_value for name, by_value in groups.items() if by_value}
    return report


def format_table(report: Report, *, style: str = "percent") -> str:
    """Readable text: one table per breakdown field, then the totals. ``style`` is
    ``"percent"`` (two decimals, as MMAU/MMAR print) or ``"fraction"`` (four decimals, MMSU)."""

    def acc(correct: int, total: int) -> str:
        value = correct / total if total else 0.0
        return f"{100 * value:.2f}%" if style == "percent" else f"{value:.4f}"

    lines = [f"{report.benchmark} | mode {report.mode} | scorer {report.scorer}"]
    for name, groups in report.breakdown.items():
        width = max(len(name), *(len(v) for v in groups))
        lines += ["", f"{name:<{width}}  {'correct':>7}  {'total':>6}  accuracy"]
        for value in sorted(groups):
            g = groups[value]
            lines.append(
                f"{value:<{width}}  {g.correct:>7}  {g.total:>6}  {acc(g.correct, g.total)}"
            )
    lines += [
        "",
        f"Total accuracy: {acc(report.correct, report.total)} "
        f"({report.correct}/{report.total}; unparsed {report.unparsed}, dropped {report.dropped})",
    ]
    return "\n".join(lines)
