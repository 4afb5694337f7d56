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


def read_birdsong(spec, root, files, quirks, options):
    """Reader for the plugin's own layout: ``birds.jsonl`` (clip, q, opts, gold)."""
    from audiomcq_plugins.items import Item, read_jsonl

    return [
        Item(
            id=str(rec["key"]),
            benchmark=spec.name,
            split=spec.split,
            audio=rec["clip"],
            question=rec["q"],
            choices=rec["opts"],
            answer=rec["gold"],
            breakdown={"habitat": rec["habitat"]},
            source=rec,
        )
        for rec in read_jsonl(files[0])
    ]


@hookimpl
def register_benchmarks(register):
    from audiomcq_plugins.benchmarks import BenchmarkSpec

    register(
        BenchmarkSpec(
            name="sample_birdsong",
            family="audiomcq",
            split="test",
            description="Which bird sings? (a third-party benchmark)",
            reader=read_birdsong,
            metadata=("birds.jsonl",),
            layout="birds.jsonl + clips/",
            breakdowns=("habitat",),
        )
    )


@hookimpl
def register_prompt_formats(register):
    register("sample-yes-no", yes_no_prompt)


@hookimpl
def register_scorers(register):
    register("sample-first-word", first_word_scorer)


@hookimpl
def register_rewards(register):
    register("sample_brevity", brevity_reward)
