"""The silent-audio vote: each probe's verdicts on every item -> a weak/strong label.

A *probe* is one model asked every question without the real audio: an audio LM given silence
(or noise) in place of the clip, or a text-only LM given no audio at all (as in DCASE 2026
Task 5's filter). Every probe is one voter. An item is **weak** (answerable without listening)
when at least ``m`` of the ``k`` voters still answer it correctly, otherwise **strong**; the
AudioMCQ paper's rule is 2 of 3. ``majority`` is the strict-majority rule (a tie, half the
voters correct, is strong).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

KINDS = ("audio", "text")


class VoteError(ValueError):
    """Votes that cannot be combined (the message names the item or the model)."""


@dataclass(frozen=True)
class Rule:
    """Weak iff at least ``m`` of the ``k`` voters answer correctly (``k = 0``: any number of
    voters, strict majority)."""

    m: int
    k: int

    @classmethod
    def parse(cls, text: str) -> Rule:
        """``"2/3"``, ``"2-of-3"``, ``"2of3"`` or ``"majority"``."""
        text = str(text).strip().lower()
        if text == "majority":
            return cls(0, 0)
        match = re.fullmatch(r"(\d+)\s*(?:/|-?of-?)\s*(\d+)", text)
        if not match:
            raise VoteError(
                f"rule {text!r} is not M/K (e.g. 2/3: weak iff at least 2 of 3 voters are "
                "correct) or 'majority'"
            )
        m, k = int(match[1]), int(match[2])
        if not 1 <= m <= k:
            raise VoteError(f"rule {text!r} needs 1 <= M <= K")
        return cls(m, k)

    @property
    def name(self) -> str:
        return "majority" if self.k == 0 else f"{self.m}/{self.k}"

    def threshold(self, voters: int) -> int:
        """Correct verdicts needed for weak, checking that the rule fits ``voters``."""
        if self.k == 0:
            return voters // 2 + 1
        if voters != self.k:
            raise VoteError(
                f"rule {self.name} needs exactly {self.k} voters (audio and text models "
                f"together), got {voters}; pass as many models or change --rule"
            )
        return self.m

    def describe(self) -> str:
        if self.k == 0:
            return "weak iff more than half of the voters answer correctly without the audio"
        return f"weak iff at least {self.m} of {self.k} voters answer correctly without the audio"


@dataclass(frozen=True)
class Verdict:
    """One probe's answer to one item and whether it is correct."""

    answer: str
    correct: bool


@dataclass
class Probe:
    """One voter: its name (unique), kind (``audio``/``text``), what describes it (model,
    arguments, revision) and its verdicts by item id."""

    name: str
    kind: str
    verdicts: dict[str, Verdict]
    info: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise VoteError(f"probe {self.name!r}: kind must be one of {KINDS}, not {self.kind!r}")


@dataclass(frozen=True)
class Label:
    """The vote on one item."""

    id: str
    label: str
    correct: int
    voters: int
    votes: dict[str, Verdict]

    def to_dict(self, rule: Rule) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "correct": self.correct,
            "voters": self.voters,
            "rule": rule.name,
            "votes": {
                name: {"answer": v.answer, "correct": v.correct} for name, v in self.votes.items()
            },
        }


def _check_items(probes: Sequence[Probe], expected: Sequence[str] | None) -> list[str]:
    """The common item ids (sorted), or an error naming a probe and the items that differ."""
    reference = set(expected) if expected is not None else set(probes[0].verdicts)
    where = "the benchmark" if expected is not None else f"probe {probes[0].name!r}"
    for probe in probes:
        mine = set(probe.verdicts)
        missing, extra = sorted(reference - mine), sorted(mine - reference)
        if missing or extra:
            parts = []
            if missing:
                parts.append(
                    f"has no verdict for {len(missing)} item(s) of {where}, e.g. {missing[:3]}"
                )
            if extra:
                parts.append(f"answered {len(extra)} item(s) {where} lacks, e.g. {extra[:3]}")
            raise VoteError(
                f"probe {probe.name!r} " + " and ".join(parts) + "; every probe must answer the "
                "same items (same benchmark, same data, all shards merged)"
            )
    return sorted(reference)


def vote(
    probes: Sequence[Probe], rule: Rule, expected_ids: Sequence[str] | None = None
) -> list[Label]:
    """Label every item, sorted by id. ``expected_ids``: the benchmark's ids, when known, so
    that an item no probe answered is an error rather than silently unlabelled."""
    if not probes:
        raise VoteError("no probes to vote with: pass --models, --text-models or --from-samples")
    names = [p.name for p in probes]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise VoteError(f"probe name(s) {dupes} given twice; give each model a distinct name")
    need = rule.threshold(len(probes))
    labels = []
    for item_id in _check_items(probes, expected_ids):
        votes = {p.name: p.verdicts[item_id] for p in probes}
        correct = sum(v.correct for v in votes.values())
        label = "weak" if correct >= need else "strong"
        labels.append(Label(item_id, label, correct, len(probes), votes))
    return labels


def summary(labels: Sequence[Label]) -> Mapping[str, Any]:
    """Counts and shares of weak and strong items."""
    total = len(labels)
    weak = sum(lab.label == "weak" for lab in labels)
    return {
        "items": total,
        "weak": weak,
        "strong": total - weak,
        "weak_share": weak / total if total else float("nan"),
    }
