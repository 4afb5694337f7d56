"""Normalisation shared by every loader: turn one source record into a canonical item and
record each real-world quirk met on the way (trailing spaces, category lists, duplicate
choices, answers outside the choices, multi-answer leftovers)."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from audiomcq_plugins.items import MAX_CHOICES, MIN_CHOICES, Item

#: Quirks that make an item unusable: the loader raises (or skips the items on request).
FATAL_QUIRKS = ("answer_outside_choices", "multi_answer")
SHOWN_IDS = 20


class Quirks:
    """Collects, per quirk name, the ids of the items that showed it."""

    def __init__(self) -> None:
        self.ids: dict[str, list[str]] = defaultdict(list)
        self.n_choices: Counter[int] = Counter()
        self.answer_position: Counter[str] = Counter()

    def flag(self, name: str, item_id: str) -> None:
        if item_id not in self.ids[name][-1:]:
            self.ids[name].append(item_id)

    def fatal_ids(self) -> list[str]:
        return sorted({i for name in FATAL_QUIRKS for i in self.ids.get(name, [])})

    def summary(self) -> dict[str, Any]:
        """A JSON-able summary: per quirk its count and the first few ids."""
        out: dict[str, Any] = {
            "n_choices": {str(k): v for k, v in sorted(self.n_choices.items())},
            "answer_position": dict(sorted(self.answer_position.items())),
        }
        for name in sorted(self.ids):
            ids = self.ids[name]
            out[name] = {"count": len(ids), "ids": ids[:SHOWN_IDS]}
        return out


def _text(value: Any, field: str, item_id: str, quirks: Quirks) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        quirks.flag(f"non_string_{field}", item_id)
        value = str(value)
    stripped = value.strip()
    if stripped != value:
        quirks.flag("whitespace_stripped", item_id)
    return stripped


def _scalar(value: Any, field: str, item_id: str, quirks: Quirks) -> Any:
    """Breakdown values: a one-element list (MMAU's ``["Reasoning"]``) becomes its element."""
    if isinstance(value, (list, tuple)):
        quirks.flag(f"{field}_is_list", item_id)
        if len(value) == 1:
            return _scalar(value[0], field, item_id, quirks)
        return " / ".join(str(v) for v in value)
    return value.strip() if isinstance(value, str) else value


def make_item(
    *,
    id: Any,
    benchmark: str,
    split: str,
    audio: Any,
    question: Any,
    choices: Any,
    answer: Any,
    quirks: Quirks,
    breakdown: dict[str, Any] | None = None,
    audio_contribution: Any = None,
    cot: dict[str, Any] | None = None,
    source: dict[str, Any] | None = None,
    answer_withheld: bool = False,
) -> Item:
    """One canonical item from already-mapped source fields, with every quirk recorded.

    Nothing is guessed: an answer is matched to a choice only exactly, after stripping spaces,
    or case-insensitively when exactly one choice matches; otherwise the item is flagged
    ``answer_outside_choices`` and the loader refuses it unless asked to skip such items.
    """
    iid = str(id)
    clean = _clean_choices(choices, iid, quirks)
    answer_text, answer_index = _match_answer(answer, clean, answer_withheld, iid, quirks)
    contribution = _scalar(audio_contribution, "audio_contribution", iid, quirks)
    if isinstance(contribution, str):
        contribution = contribution.lower() or None
    return Item(
        id=iid,
        benchmark=benchmark,
        split=split,
        audio=audio,
        question=_text(question, "question", iid, quirks),
        choices=clean,
        answer=answer_text,
        answer_index=answer_index,
        audio_contribution=contribution,
        breakdown={k: _scalar(v, k, iid, quirks) for k, v in (breakdown or {}).items()},
        cot={k: v for k, v in (cot or {}).items() if v},
        source=source or {},
    )


def _clean_choices(choices: Any, iid: str, quirks: Quirks) -> list[str]:
    """The options as stripped strings, trailing empty ones dropped, oddities flagged."""
    if not isinstance(choices, (list, tuple)):
        quirks.flag("choices_not_a_list", iid)
        choices = [] if choices is None else [choices]
    choices = list(choices)
    # Trailing empty options (MMAR's leftovers, MMSU's unused choice_d) carry no letter.
    while choices and (choices[-1] is None or str(choices[-1]).strip() == ""):
        quirks.flag("empty_choice_dropped", iid)
        choices.pop()
    clean = [_text(c, "choice", iid, quirks) for c in choices]
    if any(not c for c in clean):
        quirks.flag("empty_choice", iid)
    quirks.n_choices[len(clean)] += 1
    if not MIN_CHOICES <= len(clean) <= MAX_CHOICES:
        quirks.flag("choice_count_out_of_range", iid)
    folded = [c.lower() for c in clean]
    if len(set(folded)) < len(folded):
        quirks.flag("duplicate_choices", iid)
    return clean


def _match_answer(
    answer: Any, clean: list[str], answer_withheld: bool, iid: str, quirks: Quirks
) -> tuple[str, int | None]:
    """The answer text and its option index (None when withheld, multiple or outside)."""
    multi = False
    if isinstance(answer, (list, tuple)):
        if len(answer) == 1:
            quirks.flag("answer_is_list", iid)
            answer = answer[0]
        else:
            quirks.flag("multi_answer", iid)
            multi = True
            answer = " / ".join(str(a) for a in answer)
    answer_text = _text(answer, "answer", iid, quirks)
    answer_index: int | None = None
    if answer_withheld and not answer_text:
        pass
    elif answer_text in clean:
        answer_index = clean.index(answer_text)
    else:
        matches = [i for i, c in enumerate(clean) if c.lower() == answer_text.lower()]
        if len(matches) == 1:
            quirks.flag("answer_case_differs", iid)
            answer_index = matches[0]
            answer_text = clean[answer_index]
        elif not multi:
            quirks.flag("answer_outside_choices", iid)
    if answer_index is not None:
        quirks.answer_position[chr(ord("A") + answer_index)] += 1
    return answer_text, answer_index


def relative_audio(path: Any, root: Any, default_dir: str | None = None) -> Any:
    """A source's audio path as a path relative to the data root.

    Strips a leading ``./``; a bare file name that is not found
    at the root is taken to live in ``default_dir`` (the layout's audio folder). Anything else
    is kept as given, so that validation reports it against the item.
    """
    from pathlib import Path

    if not isinstance(path, str) or not path:
        return path
    rel = path[2:] if path.startswith("./") else path
    if default_dir and "/" not in rel and not (Path(root) / rel).exists():
        return f"{default_dir}/{rel}"
    return rel
