"""DCASE 2026 Task 5 (audio-dependent question answering) development set:
``dev.jsonl`` + ``dev_audios/`` from HF ``Harland/DCASE2026-Task5-DevSet``. The fields are
``question_text`` and ``multi_choice``, not ``question``/``choices``."""

from __future__ import annotations

from audiomcq_plugins.benchmarks.records import SourceLayout, json_reader
from audiomcq_plugins.benchmarks.spec import BenchmarkSpec

DCASE_DEV = BenchmarkSpec(
    name="dcase2026_task5_dev",
    family="dcase",
    split="dev",
    description="DCASE 2026 Task 5 development set (1,607 items), top-1 accuracy",
    reader=json_reader,
    metadata=("dev.jsonl",),
    layout="dev.jsonl + dev_audios/<file>",
    hub_id="Harland/DCASE2026-Task5-DevSet",
    default_prompt="r1aqa",
    official_scorer="r1aqa-official",
    breakdowns=("question_type", "category", "source_dataset", "audio_contribution"),
    source_layout=SourceLayout(
        fields={
            "id": "id",
            "audio": "audio_path",
            "question": "question_text",
            "choices": "multi_choice",
            "answer": "answer",
            "audio_contribution": "audio-contribution",
        },
        audio_dir="dev_audios",
    ),
)

SPECS = (DCASE_DEV,)
