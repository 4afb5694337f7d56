"""AIR-Bench Foundation: the loader on its published layout, the official prompt and the
official scorer's rules (score_foundation.py), each on crafted outputs."""

from __future__ import annotations

import json

import pytest

from audiomcq_plugins.benchmarks import get_spec
from audiomcq_plugins.benchmarks.air_bench import SUBSETS, TASKS, normalise
from audiomcq_plugins.benchmarks.fixtures import write_fixture
from audiomcq_plugins.prompts import render
from audiomcq_plugins.scoring.matchers import airbench_letter, airbench_official

CHOICES = ["dog", "cat", "bird", "cow"]


@pytest.mark.parametrize(
    ("output", "letter"),
    [
        ("A", "A"),
        ("B.", "B"),
        ("  C\n", "C"),
        ("D) cow", "D"),
        ("A dog is barking", "A"),  # the first character decides, whatever follows
        ("Definitely the cat", "D"),  # ... even a capital D starting a word
        ("The answer is B.", "B"),  # else the second-to-last character
        ("The answer is (C)", "C"),
        ("It is\nB.", "B"),  # newlines are removed before reading
        ("the answer is b.", None),  # lower case is no letter
        ("cat", None),
        ("", None),
        ("   ", None),
        ("None", None),
        ("E", None),
    ],
)
def test_the_letter_rule(output, letter):
    assert airbench_letter(output) == letter


def test_verdicts_count_and_drop_as_the_script_does():
    right = airbench_official("B", CHOICES, "cat")
    assert right.correct and right.counted and right.choice == 1
    wrong = airbench_official("The answer is A.", CHOICES, "cat")
    assert not wrong.correct and wrong.counted
    dropped = airbench_official("a cat", CHOICES, "cat")  # no letter: left out of the totals
    assert not dropped.counted
    beyond = airbench_official("C", ["yes", "no"], "no")  # C of two options: counted, wrong
    assert beyond.counted and not beyond.correct and beyond.choice is None
    twins = airbench_official("B", ["same", "same", "x"], "same")  # gold is the first match
    assert not twins.correct
    assert not airbench_official(None, CHOICES, "cat").counted


def test_the_official_prompt_prints_missing_options_as_none():
    text = render("airbench", "What is it?", ["yes", "no"])
    assert text == (
        "Choose the most suitable answer from options A, B, C, and D to respond the question in "
        "next line, you may only choose A or B or C or D.\nWhat is it?\n"
        "A. yes\nB. no\nC. None\nD. None"
    )
    with pytest.raises(ValueError, match="2 to 4 choices"):
        render("airbench", "Q", ["a", "b", "c", "d", "e"])


def test_records_are_read_as_the_inference_script_reads_them():
    rec = {"uniq_id": 7, "path": "x.wav", "task_name": "Audio_Grounding",
           "dataset_name": "AudioGrounding", "choice_a": "a", "choice_b": "b",
           "choice_c": None}  # fmt: skip
    out = normalise(rec, "Foundation")
    assert out["choices"] == ["a", "b"] and out["path"] == "x.flac"
    assert out["audio_folder"] == "Foundation/Audio_Grounding_AudioGrounding"
    assert out["domain"] == "sound" and out["subset"] == "Audio_Grounding_AudioGrounding"
    assert len(TASKS) == 19 and len(SUBSETS) == 25
    assert {s for s in SUBSETS if not any(s.startswith(t + "_") for t in TASKS)} == set()


def test_the_published_layout_loads(tmp_path):
    root = write_fixture("air_bench_foundation", tmp_path, n=10, max_seconds=0.5)
    loaded = get_spec("air_bench_foundation").load(root)
    assert len(loaded.items) == 10
    for item in loaded.items:
        assert (loaded.data_root / item.audio.path).is_file(), item.audio
        assert 2 <= len(item.choices) <= 4 and item.answer in item.choices
        assert item.breakdown["subset"] in SUBSETS
    grounding = [it for it in loaded.items if it.breakdown["task_name"] == "Audio_Grounding"]
    assert grounding and all(str(it.audio.path).endswith(".flac") for it in grounding)
    meta = json.loads((root / "Foundation" / "Foundation_meta.json").read_text())
    assert any(r.get("choice_c", 0) is None for r in meta)  # null options in the fixture
