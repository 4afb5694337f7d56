"""Reward functions for RL post-training (TRL's reward contract) and contribution weights.

Every reward follows ``fn(prompts, completions, completion_ids=None, **kwargs) ->
list[float | None]``: one value per completion; ``None`` tells the trainer to skip the sample.
Completions are plain strings or conversational message lists (``[{"role": "assistant",
"content": ...}]``; content may be a string or a list of ``{"type": "text", "text": ...}``
blocks). ``kwargs`` hold the dataset columns, one value per completion: ``solution`` (the answer
text, optionally itself wrapped in ``<answer>`` tags), ``choices``, ``audio_contribution``, plus
whatever the trainer adds (``trainer_state``, ``log_extra``, ...), which are ignored.

The AudioMCQ paper's rewards (its GRPO stage, see ``trl_recipes/README.md``), equal to the
paper's own on every completion; the tag rules live in :mod:`audiomcq_plugins.scoring.tags`:

- :func:`accuracy_reward` (``accuracy``): the text inside the first ``<answer>…</answer>``
  (across lines, tags in any case), or the whole completion when it has no complete tag pair,
  stripped, equals the solution (read the same way) ignoring case: 1.0, else 0.0. Weight 2.0 in
  the paper. One deliberate difference: an empty or missing solution gives ``None`` (skip the
  sample), never a reward.
- :func:`format_reward` (``format``): the stripped completion starts with ``<answer>``, ends with
  ``</answer>`` and holds no other ``<answer>`` / ``</answer>`` (lower-case tags): 1.0, else 0.0.
  Any body passes, ``<think>`` included. Weight 0.5 in the paper.

Our own, under their own names:

- :func:`strict_format_reward` (``strict_format``): as ``format``, and the body holds no
  ``<think>`` / ``</think>`` either.
- :func:`think_format_reward` (``think_format``): the whole stripped completion is one
  ``<think>…</think>`` followed by one ``<answer>…</answer>`` (whitespace allowed between them).
- :func:`option_accuracy_reward` (``option_accuracy``): the strict scorer (letters, option text,
  tags mapped to an option; anything unparseable is wrong) against ``choices``.

:func:`contribution_weights` turns ``audio_contribution`` labels into per-item weights (strong
1.0, weak 0.3 by default). GRPO normalises rewards per prompt group, so multiplying one item's
rewards by a constant cancels out: these weights are meant for the advantages (the trainer
applies them), or for sampling.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from audiomcq_plugins import hookimpl
from audiomcq_plugins.items import CONTRIBUTIONS
from audiomcq_plugins.scoring import tags

Reward = Callable[..., list]

DEFAULT_CONTRIBUTION_WEIGHTS: dict[str, float] = {"strong": 1.0, "weak": 0.3}


# --- completions and columns ------------------------------------------------------------------


def completion_text(completion: Any, index: int = 0) -> str:
    """The text of one completion: a string, or the last message of a conversational list."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, Sequence) and completion and isinstance(completion[-1], Mapping):
        content = completion[-1].get("content")
        if isinstance(content, str):
            return content
        if isinstance(content, Sequence) and all(isinstance(b, Mapping) for b in content):
            return "".join(b.get("text", "") for b in content if b.get("type", "text") == "text")
    raise TypeError(
        f"completion {index}: expected a string or a list of messages with a 'content' field, "
        f"got {_short(completion)}; pass TRL's completions unchanged"
    )


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _column(kwargs: Mapping[str, Any], name: str, n: int, reward: str) -> list[Any]:
    """One dataset column, checked to hold one value per completion."""
    if name not in kwargs or kwargs[name] is None:
        raise TypeError(
            f"{reward}: missing the dataset column {name!r} (one value per completion); "
            f"prepare the training data with `audiomcq train prepare-data` or add the column "
            f"(got columns: {', '.join(sorted(kwargs)) or 'none'})"
        )
    values = kwargs[name]
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise TypeError(f"{reward}: column {name!r} must be a list, got {_short(values)}")
    if len(values) != n:
        raise ValueError(
            f"{reward}: column {name!r} has {len(values)} values for {n} completions; "
            "pass one value per completion (repeat each row once per generation)"
        )
    return list(values)


def _texts(completions: Sequence[Any], reward: str) -> list[str]:
    if isinstance(completions, (str, bytes)) or not isinstance(completions, Sequence):
        raise TypeError(f"{reward}: completions must be a list, got {_short(completions)}")
    return [completion_text(c, i) for i, c in enumerate(completions)]


# --- rewards ----------------------------------------------------------------------------------


def accuracy_reward(
    prompts: Sequence[Any] | None,
    completions: Sequence[Any],
    completion_ids: Sequence[Any] | None = None,
    **kwargs: Any,
) -> list[float | None]:
    """1.0 when the answer (tagged, or the whole completion) equals ``solution`` ignoring case
    (the paper's ``lower()``), else 0.0; ``None`` where the solution is missing or empty."""
    texts = _texts(completions, "accuracy_reward")
    solutions = _column(kwargs, "solution", len(texts), "accuracy_reward")
    rewards: list[float | None] = []
    for text, solution in zip(texts, solutions, strict=True):
        gold = tags.tagged_answer(solution) if isinstance(solution, str) else ""
        if not gold:  # withheld or missing answer: never guess, skip the sample
            rewards.append(None)
            continue
        rewards.append(float(tags.tagged_answer(text).lower() == gold.lower()))
    return rewards


def option_accuracy_reward(
    prompts: Sequence[Any] | None,
    completions: Sequence[Any],
    completion_ids: Sequence[Any] | None = None,
    **kwargs: Any,
) -> list[float | None]:
    """1.0 when the strict scorer maps the completion to the correct option of ``choices``,
    else 0.0 (unparseable completions are wrong); ``None`` where the solution is missing."""
    from audiomcq_plugins import plugins

    texts = _texts(completions, "option_accuracy_reward")
    solutions = _column(kwargs, "solution", len(texts), "option_accuracy_reward")
    choices = _column(kwargs, "choices", len(texts), "option_accuracy_reward")
    strict = plugins.get("scorers", "strict")
    rewards: list[float | None] = []
    for i, (text, solution, options) in enumerate(zip(texts, solutions, choices, strict=True)):
        gold = tags.tagged_answer(solution) if isinstance(solution, str) else ""
        if not gold:
            rewards.append(None)
            continue
        if not isinstance(options, Sequence) or isinstance(options, str) or len(options) < 2:
            raise ValueError(
                f"option_accuracy_reward: completion {i}: 'choices' must be a list of at least "
                f"2 option texts, got {_short(options)}"
            )
        rewards.append(float(bool(strict(text, list(options), gold).correct)))
    return rewards


def _format_reward(check: Callable[[str], bool], completions: Sequence[Any], reward: str):
    return [float(check(t)) for t in _texts(completions, reward)]


def format_reward(
    prompts: Sequence[Any] | None,
    completions: Sequence[Any],
    completion_ids: Sequence[Any] | None = None,
    **kwargs: Any,
) -> list[float | None]:
    """The paper's format: 1.0 when the stripped completion is ``<answer>``, any body,
    ``</answer>``, with no other answer tag."""
    return _format_reward(tags.is_answer_only, completions, "format_reward")


def strict_format_reward(
    prompts: Sequence[Any] | None,
    completions: Sequence[Any],
    completion_ids: Sequence[Any] | None = None,
    **kwargs: Any,
) -> list[float | None]:
    """1.0 when the stripped completion is exactly one ``<answer>…</answer>`` whose body holds
    no ``<answer>`` or ``<think>`` tag."""
    return _format_reward(tags.is_strict_answer_only, completions, "strict_format_reward")


def think_format_reward(
    prompts: Sequence[Any] | None,
    completions: Sequence[Any],
    completion_ids: Sequence[Any] | None = None,
    **kwargs: Any,
) -> list[float | None]:
    """1.0 when the whole stripped completion is ``<think>…</think>`` then
    ``<answer>…</answer>`` (one of each)."""
    return _format_reward(tags.is_think_then_answer, completions, "think_format_reward")


# --- contribution weights ---------------------------------------------------------------------


def normalise_contribution(value: Any, where: str = "") -> str | None:
    """``"weak"``/``"strong"`` (any case, stripped) or ``None``; anything else is an error."""
    if value is None:
        return None
    if isinstance(value, str) and value.strip().lower() in CONTRIBUTIONS:
        return value.strip().lower()
    raise ValueError(
        f"{where}audio_contribution = {value!r}: expected one of {', '.join(CONTRIBUTIONS)} "
        "or null; fix the label in the data file"
    )


def parse_contribution_weights(
    weights: Mapping[str, Any] | str | None, defaults: Mapping[str, float] | None = None
) -> dict[str, float]:
    """Validate a ``{"strong": w, "weak": w}`` mapping (or ``"strong=1,weak=0.3"``).

    Keys missing from ``weights`` keep their value from ``defaults``
    (:data:`DEFAULT_CONTRIBUTION_WEIGHTS` when not given). Values must be finite and >= 0.
    """
    out = dict(DEFAULT_CONTRIBUTION_WEIGHTS if defaults is None else defaults)
    if weights is None:
        return out
    if isinstance(weights, str):
        parts = [p.split("=") for p in weights.split(",") if p.strip()]
        if any(len(p) != 2 for p in parts):
            raise ValueError(
                f"contribution weights {weights!r}: write them as 'strong=1.0,weak=0.3'"
            )
        weights = {k.strip(): v.strip() for k, v in parts}
    if not isinstance(weights, Mapping):
        raise TypeError(
            f"contribution weights must be a mapping like {{'strong': 1.0, 'weak': 0.3}}, "
            f"got {_short(weights)}"
        )
    for key, value in weights.items():
        if key not in CONTRIBUTIONS:
            raise ValueError(
                f"contribution weights: unknown key {key!r}; use {' and '.join(CONTRIBUTIONS)}"
            )
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = math.nan
        if isinstance(value, bool) or not math.isfinite(number) or number < 0:
            raise ValueError(
                f"contribution weights: {key!r} = {value!r}; weights must be finite numbers >= 0"
            )
        out[key] = number
    return out


def contribution_weights(
    contributions: Sequence[Any],
    weights: Mapping[str, Any] | str | None = None,
    default: float = 1.0,
) -> list[float]:
    """One weight per item from its ``audio_contribution`` label.

    ``weights`` maps ``"strong"``/``"weak"`` to a weight (strong 1.0, weak 0.3 unless
    overridden; see :func:`parse_contribution_weights`); unlabeled items (``None``) get
    ``default``. Unknown labels are an error naming the position and the value.
    """
    table = parse_contribution_weights(weights)
    if isinstance(default, bool) or not isinstance(default, (int, float)):
        raise TypeError(f"contribution_weights: default must be a number, got {default!r}")
    if not math.isfinite(default) or default < 0:
        raise ValueError(f"contribution_weights: default = {default!r}; must be finite and >= 0")
    if isinstance(contributions, (str, bytes)) or not isinstance(contributions, Sequence):
        raise TypeError(
            f"contribution_weights: expected a list of labels, got {_short(contributions)}"
        )
    out: list[float] = []
    for i, value in enumerate(contributions):
        label = normalise_contribution(value, where=f"item {i}: ")
        out.append(float(default) if label is None else table[label])
    return out


BUILTIN_REWARDS: dict[str, Reward] = {
    "accuracy": accuracy_reward,
    "option_accuracy": option_accuracy_reward,
    "format": format_reward,
    "strict_format": strict_format_reward,
    "think_format": think_format_reward,
}


@hookimpl
def register_rewards(register: Callable[[str, Reward], None]) -> None:
    for name, fn in BUILTIN_REWARDS.items():
        register(name, fn)
