"""MMSU: 5,000 spoken-language items over 47 sub-tasks; HF ``ddwang2000/MMSU`` (split
``train``): parquet files whose ``audio`` column is the HF audio struct (``bytes``, ``path``),
four options in ``choice_a`` … ``choice_d`` and the answer text in ``answer_gt``.

Not the VoiceBench subset that is also called "mmsu". Needs ``pyarrow`` (the ``data`` extra).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from audiomcq_plugins.benchmarks.records import SourceLayout, mapped_reader
from audiomcq_plugins.benchmarks.spec import BenchmarkSpec

CHOICE_COLUMNS = ["choice_a", "choice_b", "choice_c", "choice_d"]


def parquet_rows(spec: BenchmarkSpec, path: Path) -> list[dict[str, Any]]:
    """The rows of one parquet metadata file as dicts (``pyarrow``, the ``data`` extra)."""
    try:
        import pyarrow.parquet as pq
    except ImportError:  # pragma: no cover - pyarrow ships with the data extra
        raise ImportError(
            f"benchmark {spec.name} is stored as parquet: pip install 'audiomcq-plugins[data]'"
        ) from None
    return pq.read_table(path).to_pylist()


parquet_reader = mapped_reader(lambda spec, root, path, quirks: parquet_rows(spec, path))


MMSU = BenchmarkSpec(
    name="mmsu",
    family="mmsu",
    split="test",
    description="MMSU: 5,000 spoken-language understanding items (47 sub-tasks)",
    reader=parquet_reader,
    metadata=("*.parquet", "data/*.parquet", "**/*.parquet"),
    layout="data/*.parquet (columns id, audio{bytes,path}, question, choice_a..choice_d, "
    "answer_gt, category, sub-category, ...)",
    hub_id="ddwang2000/MMSU",
    hub_audio=(),  # the audio is inside the parquet files
    default_prompt="mmsu",
    official_scorer="mmsu-official",
    breakdowns=("category", "sub-category", "sub-sub-category", "task_name"),
    breakdown_values={"category": ("perception", "reasoning")},
    score_format="mmsu",
    groups=("audio_mcq", "audio_mcq_suite"),
    source_layout=SourceLayout(
        fields={
            "id": "id",
            "audio": "audio",
            "question": "question",
            "choices": CHOICE_COLUMNS,
            "answer": "answer_gt",
        },
    ),
)

SPECS = (MMSU,)
