"""Matchers (scorers): ``scorer(prediction, choices, answer) -> Verdict``.

Built-ins, registered through ``register_scorers``:

- ``mmau-official`` (MMAU and MMAR): the authors' token-set ``string_match``, order blindness
  and all.
- ``mmsu-official``: the MMSU letter rule, including the items it drops.
- ``r1aqa-official``: R1-AQA / AudioMCQ evaluation: first one-line ``<answer>`` tag, else the
  whole output, then ``string_match``.
- ``airbench-official``: AIR-Bench Foundation's letter rule (first or second-to-last
  character), including the outputs it leaves out of its totals.
- ``strict``: exactly one option or unparsed (:func:`audiomcq_plugins.scoring.extract.resolve`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from audiomcq_plugins.scoring.extract import (
    LETTERS,
    MMSU_DROP,
    MMSU_NONE,
    key,
    mmsu_letter,
    options,
    resolve,
    word_tokens,
)
from audiomcq_plugins.scoring.tags import r1aqa_answer


@dataclass(frozen=True, slots=True)
class Verdict:
    """How one prediction scored.

    ``correct``: counts as right. ``parsed``: the scorer read an answer from the output (for
    ``mmau-official``: the output has at least one word; for ``strict``: one option was
    identified). ``counted``: False when the official script drops the item from the totals.
    ``choice``: index of the option the output was read as, when one was identified.
    """

    correct: bool
    parsed: bool
    counted: bool = True
    choice: int | None = None


UNPARSED = Verdict(correct=False, parsed=False)
DROPPED = Verdict(correct=False, parsed=False, counted=False)


# --- MMAU / MMAR string_match ----------------------------------------------------------------


@lru_cache(maxsize=8192)
def _choice_tables(choices: tuple[str, ...]) -> tuple[frozenset[str], dict[frozenset[str], int]]:
    """The union of all choice tokens, and each distinct choice token set's lowest index."""
    union: set[str] = set()
    first: dict[frozenset[str], int] = {}
    for i, choice in enumerate(choices):
        tokens = word_tokens(choice)
        union.update(tokens)
        first.setdefault(tokens, i)
    return frozenset(union), first


# The official rule builds "incorrect tokens" as the union, over every choice whose token set
# differs from the answer's, of that choice's tokens minus the answer's. Choices whose token set
# equals the answer's would add nothing, so that union is simply (all choice tokens) - (answer
# tokens): correct <=> answer ⊆ prediction and prediction ∩ (union - answer) = ∅. Taking a
# choice as the answer, the same condition says its token set equals prediction ∩ union, which
# is how the option an output reads as is found in one step. (Equivalence with the literal rule
# is property-tested in tests/test_matchers.py.)


def string_match(answer: str, prediction: str, choices: Sequence[str]) -> bool:
    """The MMAU/MMAR official rule: every answer token is in the prediction and no token that
    only a distractor has is; a prediction without word tokens is wrong."""
    return _match(word_tokens(answer), word_tokens(prediction), _choice_tables(tuple(choices))[0])


def _match(answer: frozenset[str], prediction: frozenset[str], union: frozenset[str]) -> bool:
    return bool(prediction) and answer <= prediction and prediction.isdisjoint(union - answer)


def mmau_official(prediction: object, choices: Sequence[str], answer: str) -> Verdict:
    """MMAU / MMAR official scoring. A non-string prediction (the official script would crash)
    is unparsed and wrong here; ``audiomcq score --mode official`` rejects such files instead.
    ``choice`` is the option the rule would accept the output as (the first, among options with
    the same token set), if any."""
    if not isinstance(prediction, str):
        return UNPARSED
    prediction_tokens = word_tokens(prediction)
    if not prediction_tokens:
        return UNPARSED
    union, first = _choice_tables(tuple(choices))
    return Verdict(
        correct=_match(word_tokens(answer), prediction_tokens, union),
        parsed=True,
        choice=first.get(prediction_tokens & union),
    )


def r1aqa_official(prediction: object, choices: Sequence[str], answer: str) -> Verdict:
    """R1-AQA / AudioMCQ evaluation: :func:`~audiomcq_plugins.scoring.tags.r1aqa_answer`
    then :func:`mmau_official`."""
    if not isinstance(prediction, str):
        return UNPARSED
    return mmau_official(r1aqa_answer(prediction), choices, answer)


# --- MMSU --------------------------------------------------------------------------------------


def mmsu_official(prediction: object, choices: Sequence[str | None], answer: str) -> Verdict:
    """MMSU official scoring (:func:`~audiomcq_plugins.scoring.extract.mmsu_letter`): correct iff
    the chosen letter's choice text equals ``answer`` exactly; dropped items are not counted."""
    letter = mmsu_letter(prediction)
    if letter is MMSU_DROP:
        return DROPPED
    if letter == MMSU_NONE:
        return UNPARSED
    i = LETTERS.index(letter)
    text = choices[i] if i < len(choices) else None
    return Verdict(
        correct=text is not None and text == answer,
        parsed=True,
        choice=i if text is not None else None,
    )


# --- AIR-Bench Foundation ---------------------------------------------------------------------


def airbench_letter(prediction: object) -> str | None:
    """The letter ``score_foundation.py`` reads: the MMSU rule (:func:`mmsu_letter`: the
    output stripped, newlines removed, then its first character if it is A-D, else its
    second-to-last), with one difference: an empty output or the text ``None`` is left out of
    the totals like an unreadable one (None), where MMSU counts it wrong."""
    letter = mmsu_letter(prediction)
    return None if letter in (MMSU_DROP, MMSU_NONE) else letter


def airbench_official(prediction: object, choices: Sequence[str], answer: str) -> Verdict:
    """AIR-Bench Foundation official scoring: correct iff :func:`airbench_letter` is the letter
    of the first option equal to the answer text. An output without a letter is left out of
    the totals (the script's ``fail_num``); a letter beyond the options (C of two) is counted,
    and wrong."""
    letter = airbench_letter(prediction)
    if letter is None:
        return DROPPED
    i = "ABCD".index(letter)
    gold = next((k for k, c in enumerate(choices) if c == answer), None)
    if gold is None:  # the script exits here; our loaders guarantee the answer is an option
        gold = next((k for k, c in enumerate(choices) if key(c) == key(answer)), -1)
    return Verdict(correct=i == gold, parsed=True, choice=i if i < len(choices) else None)


# --- strict ------------------------------------------------------------------------------------


def strict(prediction: object, choices: Sequence[str], answer: str) -> Verdict:
    """Exactly one option or unparsed (counted wrong). Identical options (equal after
    normalisation) are one option: the answer is right if its text is that option's."""
    choices = tuple(choices)
    choice = resolve(prediction, choices)
    if choice is None:
        return UNPARSED
    chosen = options(choices).keys[choice]
    return Verdict(correct=chosen == key(answer), parsed=True, choice=choice)


SCORERS = {
    "airbench-official": airbench_official,
    "mmau-official": mmau_official,
    "mmsu-official": mmsu_official,
    "r1aqa-official": r1aqa_official,
    "strict": strict,
}
