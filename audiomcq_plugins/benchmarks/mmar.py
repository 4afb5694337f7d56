"""MMAR: 1,000 items; GitHub ``ddlBoJack/MMAR`` (``MMAR-meta.jsonl``, formerly
``MMAR-meta.json``) beside ``audio/<name>.wav`` from HF ``BoJack/MMAR``."""

from __future__ import annotations

from audiomcq_plugins.benchmarks.records import SourceLayout, json_reader
from audiomcq_plugins.benchmarks.spec import BenchmarkSpec

#: sha256 of MMAR-meta.jsonl at GitHub commit 3bce090a
META_SHA256 = "1c9a343e7bebf1037482b935c54eacd43cc63df7b2c668724b5560caf1f84fad"

MMAR = BenchmarkSpec(
    name="mmar",
    family="mmar",
    split="test",
    description="MMAR: 1,000 deep-reasoning items over sound, music, speech and their mixes",
    reader=json_reader,
    metadata=("MMAR-meta.jsonl", "MMAR-meta.json", "*MMAR*.jsonl", "*MMAR*.json"),
    layout="MMAR-meta.jsonl (or MMAR-meta.json) + audio/<name>.wav (the HF audio tarball)",
    hub_id="BoJack/MMAR",
    revision="github:ddlBoJack/MMAR@3bce090a",
    expected_sha256=META_SHA256,
    expected_items=1000,
    default_prompt="mmar",
    official_scorer="mmau-official",  # MMAR's script reuses MMAU's string_match
    breakdowns=("modality", "category", "sub-category", "language"),
    breakdown_values={
        "modality": (
            "sound",
            "music",
            "speech",
            "mix-sound-music",
            "mix-sound-speech",
            "mix-music-speech",
            "mix-sound-music-speech",
        ),
        "category": ("Signal Layer", "Perception Layer", "Semantic Layer", "Cultural Layer"),
    },
    score_format="mmar",
    groups=("audio_mcq", "audio_mcq_suite"),
    source_layout=SourceLayout(
        fields={
            "id": "id",
            "audio": "audio_path",
            "question": "question",
            "choices": "choices",
            "answer": "answer",
        },
        audio_dir="audio",
    ),
)

SPECS = (MMAR,)
