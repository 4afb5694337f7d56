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


def vowel_embedder(texts):
    """Counts of each vowel, and the length: a crude embedder, but a real one."""
    return [[t.lower().count(v) for v in "aeiou"] + [len(t)] for t in texts]


def brevity_reward(prompts, completions, completion_ids=None, **kwargs):
    return [1.0 / (1 + len(str(c))) for c in completions]


def reversed_sampler(dataset, *, shuffle=True, seed=0, **structure):
    """Rows last to first every epoch, with TRL's RepeatSampler repetition structure."""
    from audiomcq_plugins.repeat_sampler import EpochRepeatSampler

    n = len(dataset)
    return EpochRepeatSampler(
        lambda generator, shuffle: range(n - 1, -1, -1), n, shuffle=shuffle, seed=seed, **structure
    )


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


def habitats_command(parser):
    """Count the items of a sample_birdsong copy per habitat.

    Reads the copy through the registered benchmark and prints one line per habitat.
    """
    parser.add_argument("source", help="directory holding birds.jsonl")
    parser.set_defaults(func=run_habitats)


def run_habitats(args):
    from collections import Counter

    from audiomcq_plugins.benchmarks import load_benchmark

    items = load_benchmark("sample_birdsong", args.source).items
    for habitat, n in sorted(Counter(it.field("habitat") for it in items).items()):
        print(f"{habitat}: {n}")
    return 0


@hookimpl
def register_benchmarks(register):
    from audiomcq_plugins.benchmarks import BenchmarkSpec

    spec = BenchmarkSpec(
        name="sample_birdsong",
        family="birdsong",  # a family of its own
        split="test",
        description="Which bird sings? (a third-party benchmark)",
        reader=read_birdsong,
        metadata=("birds.jsonl",),
        layout="birds.jsonl + clips/",
        breakdowns=("habitat",),
        breakdown_values={"habitat": ("forest", "wetland")},
        generation={"max_gen_toks": 8},
        score_format="mmau",  # predictions files in MMAU's format
    )
    register(spec.name, spec)


@hookimpl
def register_prompt_formats(register):
    register("sample-yes-no", yes_no_prompt)


@hookimpl
def register_scorers(register):
    register("sample-first-word", first_word_scorer)


@hookimpl
def register_embedders(register):
    register("sample-vowels", vowel_embedder)


@hookimpl
def register_rewards(register):
    register("sample_brevity", brevity_reward)


@hookimpl
def register_samplers(register):
    register("sample_reversed", reversed_sampler)


@hookimpl
def register_commands(register):
    register("birdsong-habitats", habitats_command)


@hookimpl
def load_audio(source, data_root, item_id, mono):
    """Serve ``tone:<hertz>`` references (one second of a sine) and leave the rest."""
    if not (isinstance(source, str) and source.startswith("tone:")):
        return None
    import numpy as np

    from audiomcq_plugins.audio import SAMPLE_RATE, Audio

    t = np.arange(SAMPLE_RATE, dtype=np.float32) / SAMPLE_RATE
    return Audio(np.sin(2 * np.pi * float(source[5:]) * t).astype(np.float32))
