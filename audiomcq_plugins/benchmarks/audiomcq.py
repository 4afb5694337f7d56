"""AudioMCQ (``inclusionAI/AudioMCQ``, text only) and AudioMCQ-StrongAC-GeminiCoT.

AudioMCQ's JSON holds relative ``audio_path`` values whose audio comes from the source corpora
(Clotho, AudioCaps, MusicCaps, ...). Each source's clips live under their own root, by default
``audio/<source_dataset>/`` under ``audio_base`` (the metadata's directory unless given);
``audio_roots={"Clotho": "clotho/development", ...}`` maps sources to other folders (relative
to ``audio_base``). The column names are only partly documented, so ``fields`` and
``cot_fields`` remap them; a missing column is an error that names it.

StrongAC-GeminiCoT (``Harland/AudioMCQ-StrongAC-GeminiCoT``, DCASE 2026 Task 5's training
set) ships its audio in the dataset repository: ``data.jsonl`` with ``audio_path`` relative to
the repository root, and the chain of thought in ``gemini_cot``.
"""

from __future__ import annotations

from audiomcq_plugins.benchmarks.records import SourceLayout, json_reader
from audiomcq_plugins.benchmarks.spec import BenchmarkSpec
from audiomcq_plugins.items import CONTRIBUTIONS

FIELDS = {
    "id": "id",
    "audio": "audio_path",
    "question": "question",
    "choices": "choices",
    "answer": "answer",
    "audio_contribution": "audio-contribution",
}
BREAKDOWNS = ("question_type", "audio_contribution", "source_dataset")
QUESTION_TYPES = ("sound", "music", "speech", "temporal")

AUDIOMCQ = BenchmarkSpec(
    name="audiomcq",
    family="audiomcq",
    split="train",
    description="AudioMCQ: 571k training items with weak/strong audio-contribution labels",
    reader=json_reader,
    metadata=("AudioMCQ*.json", "audiomcq*.json", "*.jsonl", "*.json", "datasets/*.json"),
    layout="the AudioMCQ JSON file(s) + audio/<source_dataset>/<audio_path> from each source "
    "corpus (Clotho, AudioCaps v2, CompA-R, MusicCaps, LP-MusicCaps MTT, SpeechCraft "
    "LibriTTS-R, TACOS)",
    hub_id="inclusionAI/AudioMCQ",
    breakdowns=BREAKDOWNS,
    breakdown_values={"question_type": QUESTION_TYPES, "audio_contribution": CONTRIBUTIONS},
    source_layout=SourceLayout(fields=FIELDS, audio_root_template="audio/{source_dataset}"),
)

AUDIOMCQ_STRONGAC = BenchmarkSpec(
    name="audiomcq_strongac_geminicot",
    family="audiomcq",
    split="train",
    description="AudioMCQ-StrongAC-GeminiCoT: ~19.5k strong items with Gemini CoT and audio",
    reader=json_reader,
    metadata=("data.jsonl",),
    layout="data.jsonl + the audio files its audio_path values point to",
    hub_id="Harland/AudioMCQ-StrongAC-GeminiCoT",
    breakdowns=("question_type", "source_dataset"),
    breakdown_values={"question_type": QUESTION_TYPES},
    # The set is the strong subset by construction; a record without the label is strong.
    source_layout=SourceLayout(fields=FIELDS, default_contribution="strong"),
)

SPECS = (AUDIOMCQ, AUDIOMCQ_STRONGAC)
