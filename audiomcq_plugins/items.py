"""The canonical item every loader produces, and its validation.

On disk an item is one JSON object per line (JSONL); in memory an :class:`Item`. Validation
collects *every* problem of a file at once, each naming the item id, the field and the value.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from audiomcq_plugins.audioref import AudioRef, describe
from audiomcq_plugins.recordfiles import read_jsonl

MIN_CHOICES, MAX_CHOICES = 2, 8
#: The letters that name choices, in order ("A" is the first choice).
LETTERS = "ABCDEFGH"[:MAX_CHOICES]
CONTRIBUTIONS = ("weak", "strong")


@dataclass
class Item:
    """One audio multiple-choice question in the project's canonical form."""

    id: str
    benchmark: str
    split: str
    #: the clip (a path under the data root, or embedded bytes); None for a text-only item.
    #: Paths, bytes and audio dicts given here become an :class:`AudioRef`; a list of them is
    #: a multi-clip item (MMAU-Pro's multi-audio questions): the first clip lands here and the
    #: others in :attr:`extra_audio`. Read every clip, in order, from :attr:`clips`.
    audio: AudioRef | None
    question: str
    choices: list[str]
    answer: str  # text of the correct option; "" when withheld (MMAU test)
    answer_index: int | None = None
    audio_contribution: str | None = None  # "weak" / "strong" / None
    breakdown: dict[str, Any] = field(default_factory=dict)
    cot: dict[str, str] = field(default_factory=dict)
    source: dict[str, Any] = field(default_factory=dict)  # untouched source record
    #: the clips after the first of a multi-clip item, in the order the model hears them
    extra_audio: tuple[AudioRef, ...] = ()

    def __post_init__(self) -> None:
        if isinstance(self.audio, (list, tuple)):
            # a list is every clip: it replaces extra_audio too (dataclasses.replace included)
            first, *rest = list(self.audio) or [None]
            self.audio, self.extra_audio = first, tuple(rest)
        self.audio = AudioRef.of(self.audio, self.id)
        self.extra_audio = tuple(AudioRef.of(a, self.id) for a in self.extra_audio)
        if self.extra_audio and self.audio is None:
            raise ValueError(f"item {self.id}: extra_audio given without a first clip (audio)")
        if self.answer_index is None and self.answer in self.choices:
            self.answer_index = self.choices.index(self.answer)

    @property
    def clips(self) -> tuple[AudioRef, ...]:
        """Every clip of the item, in order (none for a text-only item)."""
        return () if self.audio is None else (self.audio, *self.extra_audio)

    def to_dict(self) -> dict[str, Any]:
        """The JSONL record: breakdown fields at top level under their source names; the
        audio as one path, or a list of paths for a multi-clip item."""
        paths = [clip.to_json(self.id) for clip in self.clips]
        d = asdict(replace(self, audio=None, extra_audio=()))
        d.pop("extra_audio")
        d["audio"] = paths if len(paths) > 1 else (paths[0] if paths else None)
        breakdown = d.pop("breakdown")
        for key, value in breakdown.items():
            d.setdefault(key, value)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Item:
        """Inverse of :meth:`to_dict`; unknown keys become breakdown fields."""
        known = set(cls.__dataclass_fields__)
        kwargs = {k: v for k, v in d.items() if k in known}
        breakdown = dict(kwargs.pop("breakdown", None) or {})
        breakdown.update({k: v for k, v in d.items() if k not in known})
        return cls(**kwargs, breakdown=breakdown)

    def field(self, name: str) -> Any:
        """A breakdown value by its source name (``audio_contribution`` included)."""
        if name in self.__dataclass_fields__:
            return getattr(self, name)
        return self.breakdown.get(name)

    @property
    def answer_letter(self) -> str | None:
        return None if self.answer_index is None else chr(ord("A") + self.answer_index)


@dataclass(frozen=True)
class Problem:
    """One validation problem: which item, which field, what value, what is wrong.

    ``severity`` is ``"error"`` (the item cannot be scored or trained on as it is) or
    ``"warning"`` (a real-data quirk the project copes with, such as duplicate choices).
    """

    item_id: str
    field: str
    value: Any
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        value = repr(self.value)
        if len(value) > 80:
            value = value[:77] + "..."
        tag = "warning: " if self.severity == "warning" else ""
        return f"{tag}item {self.item_id}: field {self.field!r} = {value}: {self.message}"


class ValidationError(ValueError):
    """Raised with every problem found, not just the first."""

    def __init__(self, problems: list[Problem], what: str = "items") -> None:
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"{len(problems)} problem(s) in {what}:\n{lines}{more}")


def check_item(item: Item, *, answer_required: bool = True) -> list[Problem]:
    """Problems of one item's text fields (audio is checked by :func:`validate_items`)."""
    problems: list[Problem] = []
    iid = str(item.id)

    def bad(fieldname: str, value: Any, message: str, severity: str = "error") -> None:
        problems.append(Problem(iid, fieldname, value, message, severity))

    if not isinstance(item.question, str) or not item.question.strip():
        bad("question", item.question, "must be a non-empty string")
    choices = item.choices
    if not isinstance(choices, list) or not all(isinstance(c, str) for c in choices):
        bad("choices", choices, "must be a list of strings")
        return problems
    if not MIN_CHOICES <= len(choices) <= MAX_CHOICES:
        bad(
            "choices",
            choices,
            f"has {len(choices)} choices; {MIN_CHOICES} to {MAX_CHOICES} are supported",
        )
    stripped = [c.strip().lower() for c in choices]
    dupes = sorted({c for c in choices if stripped.count(c.strip().lower()) > 1})
    if dupes:
        bad(
            "choices",
            choices,
            f"duplicate choices {dupes}; kept, and scoring treats them as one option",
            "warning",
        )
    if answer_required or item.answer:
        if item.answer not in choices:
            bad(
                "answer",
                item.answer,
                f"is not one of the choices {choices}; fix the answer or skip the item",
            )
        elif item.answer_index is not None and choices[item.answer_index] != item.answer:
            bad(
                "answer_index",
                item.answer_index,
                f"points at {choices[item.answer_index]!r}, not the answer {item.answer!r}",
            )
    if item.audio_contribution not in (None, *CONTRIBUTIONS):
        bad(
            "audio_contribution", item.audio_contribution, f"must be one of {CONTRIBUTIONS} or null"
        )
    return problems


def validate_items(
    items: Iterable[Item],
    *,
    data_root: str | Path | None = None,
    check_audio: bool = True,
    answer_required: bool = True,
    warnings: bool = False,
) -> list[Problem]:
    """Every error of every item (text fields, duplicate ids, optionally audio); with
    ``warnings=True`` also the quirks that are kept and coped with."""
    from audiomcq_plugins.audio import AudioError, load_audio

    problems: list[Problem] = []
    seen: set[str] = set()
    for item in items:
        if str(item.id) in seen:
            problems.append(Problem(str(item.id), "id", item.id, "duplicate id"))
        seen.add(str(item.id))
        problems.extend(
            p
            for p in check_item(item, answer_required=answer_required)
            if warnings or p.severity == "error"
        )
        for clip in item.clips if check_audio else ():
            try:
                load_audio(clip, data_root=data_root, item_id=str(item.id))
            except AudioError as exc:
                problems.append(Problem(str(item.id), "audio", describe(clip), exc.reason))
    return problems


def load_items(path: str | Path) -> list[Item]:
    """Read a canonical JSONL file."""
    out = []
    for lineno, rec in enumerate(read_jsonl(path), 1):
        try:
            if not isinstance(rec, dict):
                raise TypeError(f"a JSON {type(rec).__name__}, not an object")
            out.append(Item.from_dict(rec))
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"{path}:{lineno}: not a canonical item ({exc}); produce the file "
                "with `audiomcq prepare`"
            ) from None
    return out


def write_items(items: Iterable[Item], path: str | Path) -> int:
    """Write items as canonical JSONL; returns the count."""
    n = 0
    with open(path, "w", encoding="utf-8") as fh:
        for item in items:
            fh.write(json.dumps(item.to_dict(), ensure_ascii=False) + "\n")
            n += 1
    return n
