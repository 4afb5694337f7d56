"""Matchers (scorers): ``scorer(prediction, choices, answer) -> Verdict``.

Built-ins, registered through ``register_scorers``:

- ``mmau-official`` (MMAU and MMAR): the authors' token-set ``string_match``, order blindness
  and all.
- ``mmsu-official``: the MMSU letter rule, including the items it drops.
- ``r1aqa-official``: R1-AQA / AudioMCQ evaluation: first one-line ``<answer>`` tag, else the
  whole output, then ``string_match``.
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
    r1aqa_answer,
    resolve,
    word_tokens,
)


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
def _mmau_tables(
    answer: str, choices: tuple[str, ...]
) -> tuple[frozenset[str], frozenset[str], tuple[tuple[int, frozenset[str], frozenset[str]], ...]]:
    """Answer tokens, the official "incorrect tokens", and per distinct option token set
    (lowest index, its tokens, its own incorrect tokens) to report which option matched."""
    answer_tokens = word_tokens(answer)
    choice_tokens = [word_tokens(c) for c in choices]

    def incorrect(target: frozenset[str]) -> frozenset[str]:
        # Every choice whose token set differs from the target contributes its tokens minus
        # the target's: a choice equal as a *set* (a duplicate, or the same words re-ordered)
        # contributes nothing, which is the official order blindness.
        out: set[str] = set()
        for tokens in choice_tokens:
            if tokens != target:
                out.update(tokens - target)
        return frozenset(out)

    per_option = []
    seen: set[frozenset[str]] = set()
    for i, tokens in enumerate(choice_tokens):
        if tokens not in seen:
            seen.add(tokens)
            per_option.append((i, tokens, incorrect(tokens)))
    return answer_tokens, incorrect(answer_tokens), tuple(per_option)


def string_match(answer: str, prediction: str, choices: Sequence[str]) -> bool:
    """The MMAU/MMAR official rule: every answer token is in the prediction and no token that
    only a distractor has is; a prediction without word tokens is wrong."""
    prediction_tokens = word_tokens(prediction)
    if not prediction_tokens:
        return False
    answer_tokens, incorrect, _ = _mmau_tables(answer, tuple(choices))
    return answer_tokens <= prediction_tokens and prediction_tokens.isdisjoint(incorrect)


def mmau_official(prediction: object, choices: Sequence[str], answer: str) -> Verdict:
    """MMAU / MMAR official scoring. A non-string prediction (the official script would crash)
    is unparsed and wrong here; ``audiomcq score --mode official`` rejects such files instead."""
    if not isinstance(prediction, str):
        return UNPARSED
    prediction_tokens = word_tokens(prediction)
    if not prediction_tokens:
        return UNPARSED
    answer_tokens, incorrect, per_option = _mmau_tables(answer, tuple(choices))
    correct = answer_tokens <= prediction_tokens and prediction_tokens.isdisjoint(incorrect)
    # At most one distinct token set can satisfy the rule as if it were the answer.
    choice = next(
        (
            i
            for i, toks, inc in per_option
            if toks <= prediction_tokens and not inc & prediction_tokens
        ),
        None,
    )
    return Verdict(correct=correct, parsed=True, choice=choice)


def r1aqa_official(prediction: object, choices: Sequence[str], answer: str) -> Verdict:
    """R1-AQA / AudioMCQ evaluation: :func:`~audiomcq_plugins.scoring.extract.r1aqa_answer`
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


# --- strict ------------------------------------------------------------------------------------


def strict(prediction: object, choices: Sequence[str], answer: str) -> Verdict:
    """Exactly one option or unparsed (counted wrong). Identical options (equal after
    normalisation) are one option: the answer is right if its text is that option's."""
    choice = resolve(prediction, tuple(choices))
    if choice is None:
        return UNPARSED
    return Verdict(correct=key(choices[choice]) == key(answer), parsed=True, choice=choice)


SCORERS = {
    "mmau-official": mmau_official,
    "mmsu-official": mmsu_official,
    "r1aqa-official": r1aqa_official,
    "strict": strict,
}
