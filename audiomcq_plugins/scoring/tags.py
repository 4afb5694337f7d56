"""Where the answer sits in a model's text: every ``<answer>`` / ``<think>`` tag rule.

One tag pattern, read as each reference reads it (scorers and rewards both use this module):

- R1-AQA's evaluation (:func:`r1aqa_answer`, behind the ``r1aqa-official`` scorer): the first
  ``<answer>…</answer>`` on one line, case-sensitive, else the whole output stripped.
- The AudioMCQ paper's GRPO rewards (its ms-swift plugin): the answer is the first tag read
  across lines and in any case, else the whole text, stripped (:func:`tagged_answer`); the
  format holds when the stripped text starts with ``<answer>``, ends with ``</answer>``, and
  holds no other of either (case-sensitive), whatever the body (:func:`is_answer_only`).
- The strict scorer: every tag, across lines and in any case, with an unclosed tag read to the
  end (:func:`answer_tags`), after reasoning is removed (:func:`strip_think`).
- Stricter formats of our own: a body with no ``<answer>`` or ``<think>`` tag in it
  (:func:`is_strict_answer_only`), and one ``<think>`` block then one answer
  (:func:`is_think_then_answer`).
"""

from __future__ import annotations

import re

ANSWER_TAG = r"<answer>(.*?)</answer>"

_ONE_LINE_TAG = re.compile(ANSWER_TAG)  # R1-AQA: no DOTALL, no IGNORECASE
_ANY_TAG = re.compile(ANSWER_TAG, re.DOTALL | re.IGNORECASE)
_ANSWER_OPEN = re.compile(r"<answer>", re.IGNORECASE)

_THINK_BLOCK = re.compile(r"<think>.*?</think>", re.DOTALL | re.IGNORECASE)
_THINK_OPEN = re.compile(r"<think>", re.IGNORECASE)
_THINK_CLOSE = re.compile(r"</think>", re.IGNORECASE)

# The paper's format: a body holding no opening or closing answer tag (case-sensitive).
_ANSWER_ONLY = re.compile(r"<answer>(?:(?!</?answer>).)*</answer>", re.DOTALL)
# Ours, stricter: tag bodies hold no opening or closing tag of either kind.
_BODY = r"(?:(?!</?(?:answer|think)>).)*"
_STRICT_ANSWER_ONLY = re.compile(rf"<answer>{_BODY}</answer>", re.DOTALL)
_THINK_THEN_ANSWER = re.compile(rf"<think>{_BODY}</think>\s*<answer>{_BODY}</answer>", re.DOTALL)


def r1aqa_answer(output: str) -> str:
    """R1-AQA / AudioMCQ evaluation: the content of the first ``<answer>...</answer>`` on one
    line, else the whole output stripped. An empty tag yields ``""`` (the tag was found)."""
    match = _ONE_LINE_TAG.search(output)
    return match.group(1) if match else output.strip()


def tagged_answer(text: str) -> str:
    """The AudioMCQ paper's reading: the first ``<answer>…</answer>`` (across lines, any case),
    else the whole text; stripped."""
    match = _ANY_TAG.search(text)
    return (match.group(1) if match else text).strip()


def answer_tags(text: str) -> list[str]:
    """Contents of every ``<answer>...</answer>`` (case-insensitive, across lines), in order.

    With no complete tag but an opening ``<answer>`` (output cut at the token limit), the text
    after the last opening tag is returned as the one tag. No tag at all: ``[]``.
    """
    tags = _ANY_TAG.findall(text)
    if tags:
        return tags
    opens = list(_ANSWER_OPEN.finditer(text))
    return [text[opens[-1].end() :]] if opens else []


def strip_think(text: str) -> str:
    """Remove reasoning: every ``<think>...</think>`` block; then, if a stray ``</think>``
    remains (the opening tag was in the prompt), everything before the last one; then, if an
    unclosed ``<think>`` remains (generation stopped mid-thought), everything after it."""
    text = _THINK_BLOCK.sub(" ", text)
    closes = list(_THINK_CLOSE.finditer(text))
    if closes:
        text = text[closes[-1].end() :]
    opened = _THINK_OPEN.search(text)
    if opened:
        text = text[: opened.start()]
    return text


def is_answer_only(text: str) -> bool:
    """The AudioMCQ paper's format: the stripped text is ``<answer>``, any body, ``</answer>``,
    with no other ``<answer>`` or ``</answer>`` (case-sensitive)."""
    return _ANSWER_ONLY.fullmatch(text.strip()) is not None


def is_strict_answer_only(text: str) -> bool:
    """:func:`is_answer_only`, and the body holds no ``<think>`` / ``</think>`` either."""
    return _STRICT_ANSWER_ONLY.fullmatch(text.strip()) is not None


def is_think_then_answer(text: str) -> bool:
    """The stripped text is one ``<think>…</think>`` then one ``<answer>…</answer>`` (white
    space between them), neither body holding a tag."""
    return _THINK_THEN_ANSWER.fullmatch(text.strip()) is not None
