"""The sub-tasks of the synthetic suite: questions, options and renderer of each, and the
wording of weak items and chains of thought; :func:`corpus` lists every text they can emit."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from audiomcq_plugins.benchmarks.synth.signals import (
    render_chord,
    render_contour,
    render_count,
    render_onset,
    render_order,
    render_pitch,
    render_sound_event,
    render_tempo,
)


@dataclass(frozen=True)
class Subtask:
    name: str
    question_type: str
    questions: tuple[str, ...]
    labels: tuple[str, ...]  # exactly four options; the answer is one of them
    render: Callable[[int, float, np.random.Generator], np.ndarray]  # (label index, s, rng)
    describe: str  # what the audio holds, for the chain of thought, with {label}


SUBTASKS: dict[str, Subtask] = {
    t.name: t
    for t in (
        Subtask(
            "sound_event",
            "sound",
            (
                "Which sound is heard in the clip?",
                "What kind of sound does the recording contain?",
                "Listen to the audio. Which sound is it?",
            ),
            ("a steady tone", "a burst of noise", "a series of clicks", "a warbling siren"),
            render_sound_event,
            "the clip contains {label}",
        ),
        Subtask(
            "sound_count",
            "sound",
            (
                "How many bursts of noise are heard?",
                "Count the noise bursts in the recording. How many are there?",
            ),
            ("one", "two", "three", "four"),
            render_count,
            "the number of noise bursts is {label}",
        ),
        Subtask(
            "music_pitch",
            "music",
            ("What is the register of the note?", "In which register is the note played?"),
            ("very low", "low", "high", "very high"),
            render_pitch,
            "the note sounds {label}",
        ),
        Subtask(
            "music_chord",
            "music",
            ("What is the quality of the chord?", "Which kind of chord is played?"),
            ("major", "minor", "diminished", "augmented"),
            render_chord,
            "the chord is {label}",
        ),
        Subtask(
            "music_tempo",
            "music",
            ("What is the tempo of the beat?", "How fast is the pulse in the clip?"),
            ("60 BPM", "120 BPM", "180 BPM", "240 BPM"),
            render_tempo,
            "the beat is at {label}",
        ),
        Subtask(
            "speech_contour",
            "speech",
            (
                "How does the pitch of the voice change?",
                "What is the intonation of the voiced sound?",
            ),
            ("rising", "falling", "level", "rising then falling"),
            render_contour,
            "the pitch of the voice is {label}",
        ),
        Subtask(
            "temporal_order",
            "temporal",
            ("In what order are the sounds heard?", "Which sequence of sounds is in the clip?"),
            ("tone, then noise", "noise, then tone", "only a tone", "only noise"),
            render_order,
            "the sounds are {label}",
        ),
        Subtask(
            "temporal_onset",
            "temporal",
            ("When does the beep start?", "At what point in the clip does the beep begin?"),
            ("near the beginning", "in the first half", "in the second half", "near the end"),
            render_onset,
            "the beep starts {label}",
        ),
    )
}
EASY_SUBTASKS = (
    "sound_event",
    "sound_count",
    "music_pitch",
    "speech_contour",
    "temporal_order",
    "temporal_onset",
)

# Weak items are text-answerable twins of the strong ones: the same sub-task, question and
# options, with the answer given away in the wording. Sharing the options means that SFT on weak
# items teaches the answer format and choosing among the listed options, not a set of answers
# of their own (which a small model would then emit for every strong question).
WEAK_TEMPLATES = (
    "The clip was annotated as '{answer}'. {question}",
    "According to its caption, the answer is '{answer}'. {question}",
    "{question} (Hint: the correct option is '{answer}'.)",
)

STRUCTURED_COT = (
    "<stage1>This is a {qtype} question with four options.</stage1>"
    "<stage2>{evidence}.</stage2>"
    "<stage3>Comparing the options, '{answer}' fits. The answer is {answer}.</stage3>"
)
SIMPLE_COT = "<simple analysis>{evidence}, so the answer is {answer}.</simple analysis>"


def corpus() -> list[str]:
    """Every question and option text the generator can emit (to train a tokenizer on)."""
    texts: list[str] = []
    for task in SUBTASKS.values():
        texts.extend(task.questions)
        texts.extend(task.labels)
        texts.extend(task.describe.format(label=label) for label in task.labels)
        texts.extend(
            template.format(answer=label, question=question)
            for template in WEAK_TEMPLATES
            for question in task.questions
            for label in task.labels
        )
    texts.extend([STRUCTURED_COT, SIMPLE_COT])
    return list(dict.fromkeys(texts))


def vocabulary() -> list[str]:
    """The sorted set of words and punctuation marks in :func:`corpus`."""
    return sorted({w for text in corpus() for w in re.findall(r"\w+|[^\w\s]", text)})
