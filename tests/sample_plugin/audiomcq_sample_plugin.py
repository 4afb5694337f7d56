"""A third-party plugin, as another package would ship it (used by tests/test_plugins.py).

It is discovered through the ``audiomcq`` entry-point group only; nothing in
audiomcq_plugins knows about it.
"""

from __future__ import annotations

from audiomcq_plugins import hookimpl


def yes_no_prompt(question, choices):
    return f"{question} Answer with one of: {' / '.join(choices)}."


def first_word_scorer(prediction, choices, answer):
    from audiomcq_plugins.scoring import Verdict

    words = str(prediction).split()
    word = words[0].strip(".,").lower() if words else ""
    matches = [i for i, c in enumerate(choices) if c.lower() == word]
    if len(matches) != 1:
        return Verdict(correct=False, parsed=False, counted=True, choice=None)
    return Verdict(
        correct=choices[matches[0]] == answer, parsed=True, counted=True, choice=matches[0]
    )


def brevity_reward(prompts, completions, completion_ids=None, **kwargs):
    return [1.0 / (1 + len(str(c))) for c in completions]


@hookimpl
def register_prompt_formats(register):
    register("sample-yes-no", yes_no_prompt)


@hookimpl
def register_scorers(register):
    register("sample-first-word", first_word_scorer)


@hookimpl
def register_rewards(register):
    register("sample_brevity", brevity_reward)
