"""Captions of clips of the pretraining seed: what the general audio models hear, in words.

Each clip of the pretraining seed (:data:`~audiomcq_plugins.workflows.general_data.PRETRAIN_SEED`)
is described by one aspect (``Describe the number of noise bursts in the clip.`` -> ``The number
of noise bursts is three.``); :mod:`.general_data` makes the caption rows, the multiple choice
over descriptions, and the rest of the general data from them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CAPTION_PROMPT = "Describe {aspect} in the clip."

#: What each sub-task's caption prompt asks about (the target is the sub-task's ``describe``).
ASPECTS: dict[str, str] = {
    "sound_event": "the kind of sound",
    "sound_count": "the number of noise bursts",
    "music_pitch": "the register of the note",
    "music_chord": "the quality of the chord",
    "music_tempo": "the speed of the beat",
    "speech_contour": "how the pitch of the voice moves",
    "temporal_order": "the order of the sounds",
    "temporal_onset": "when the beep starts",
}


def caption(record: dict[str, Any]) -> tuple[str, str]:
    """(prompt, target) of one clip of the pretraining seed: its aspect and its described label."""
    from audiomcq_plugins.benchmarks.synth import SUBTASKS

    task = SUBTASKS[record["subtask"]]
    text = task.describe.format(label=record["answer"])
    return CAPTION_PROMPT.format(aspect=ASPECTS[task.name]), text[0].upper() + text[1:] + "."


def caption_texts() -> list[str]:
    """Every caption prompt and target (for the tokenizer and the cache key)."""
    from audiomcq_plugins.benchmarks.synth import SUBTASKS

    texts = [CAPTION_PROMPT.format(aspect=a) for a in ASPECTS.values()]
    for task in SUBTASKS.values():
        texts += [task.describe.format(label=label) for label in task.labels]
    return texts


def captioned_clips(root: Path) -> list[dict[str, Any]]:
    """The clips of a suite directory of the pretraining seed, each with its aspect, caption and
    the four descriptions of that aspect (for ``caption_mcq``)."""
    from audiomcq_plugins.benchmarks.synth import METADATA_FILE, SUBTASKS

    out = []
    for record in json.loads((root / METADATA_FILE).read_text()):
        task = SUBTASKS[record["subtask"]]
        audio = root / "audio" / record["source_dataset"] / record["audio_path"]
        _, sentence = caption(record)
        out.append(
            {
                "audio": str(audio.resolve()),
                "aspect": ASPECTS[task.name],
                "caption": sentence,
                "caption_text": task.describe.format(label=record["answer"]),
                "descriptions": [task.describe.format(label=label) for label in task.labels],
                "label": record["answer"],
                "labels": list(task.labels),
            }
        )
    return out
