"""The synthetic suite ``audiomcq_synth``: seeded audio + questions in the AudioMCQ schema.

Numpy only (soundfile writes the clips). Four question types as in AudioMCQ, each with
sub-tasks whose answer is known by construction:

- **strong** items can only be answered from the audio (which sound, how many events, pitch
  register, chord quality, tempo, pitch contour of a voiced buzz, order and onset of events);
- **weak** items are twins of the strong ones (same sub-task, question and options) that give
  the answer away in the wording, so a model can answer them with the audio replaced by
  silence.

Every item is a function of ``(seed, index)`` alone, so a suite of ``n`` items is a prefix of
any larger suite with the same seed and settings. Answer positions are balanced (each block of
four items uses every position once). ``EASY_SUBTASKS`` are the sub-tasks a very small audio
model learns from short clips (0.5-2 s); tempo and chord need longer clips or larger models.
"""

from audiomcq_plugins.benchmarks.audiomcq import QUESTION_TYPES
from audiomcq_plugins.benchmarks.synth.generation import (
    AUDIO_DIR,
    METADATA_FILE,
    SOURCE,
    SynthConfig,
    cache_dir,
    ensure,
    examples,
    generate,
    make_example,
)
from audiomcq_plugins.benchmarks.synth.signals import CHORDS, PITCHES, SR, TEMPI
from audiomcq_plugins.benchmarks.synth.spec import AUDIOMCQ_SYNTH, SPECS, SynthSpec
from audiomcq_plugins.benchmarks.synth.subtasks import (
    EASY_SUBTASKS,
    SIMPLE_COT,
    STRUCTURED_COT,
    SUBTASKS,
    WEAK_TEMPLATES,
    Subtask,
    corpus,
    vocabulary,
)

__all__ = [
    "AUDIOMCQ_SYNTH",
    "AUDIO_DIR",
    "CHORDS",
    "EASY_SUBTASKS",
    "METADATA_FILE",
    "PITCHES",
    "QUESTION_TYPES",
    "SIMPLE_COT",
    "SOURCE",
    "SPECS",
    "SR",
    "STRUCTURED_COT",
    "SUBTASKS",
    "TEMPI",
    "WEAK_TEMPLATES",
    "Subtask",
    "SynthConfig",
    "SynthSpec",
    "cache_dir",
    "corpus",
    "ensure",
    "examples",
    "generate",
    "make_example",
    "vocabulary",
]
