"""MMAU (test-mini with answers, test with answers withheld).

Layout (GitHub ``Sakshi113/MMAU`` / HF ``gamma-lab-umd/MMAU-test-mini``): the metadata JSON
list (``mmau-test-mini.json``) beside ``test-mini-audios/<id>.wav``; ``audio_id`` holds
``./test-mini-audios/<id>.wav``. The test split has the same layout with ``answer`` = "" and is
scored only by the authors' online evaluator: :func:`write_submission` writes its input.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path

from audiomcq_plugins.benchmarks.records import SourceLayout, json_reader
from audiomcq_plugins.benchmarks.spec import BenchmarkSpec
from audiomcq_plugins.items import Item

FIELDS = {
    "id": "id",
    "audio": "audio_id",
    "question": "question",
    "choices": "choices",
    "answer": "answer",
}
BREAKDOWNS = ("task", "difficulty", "sub-category", "category")
#: sha256 of mmau-test-mini.json at GitHub commit 110127f5 (content as of f0a4a97, v05.15.25)
TEST_MINI_SHA256 = "9f18fda99f8dbc2bc5ecd6323fb5063309f54969810b5c6f1caeb3b8d904cf1c"

_COMMON = dict(
    family="mmau",
    reader=json_reader,
    default_prompt="mmau",
    official_scorer="mmau-official",
    breakdowns=BREAKDOWNS,
    breakdown_values={
        "task": ("sound", "music", "speech"),
        "difficulty": ("easy", "medium", "hard"),
    },
    score_format="mmau",
)

MMAU_TEST_MINI = BenchmarkSpec(
    name="mmau_test_mini",
    split="test-mini",
    description="MMAU test-mini: 1,000 items over sound, music and speech, with answers",
    metadata=("mmau-test-mini.json", "test-mini.json", "*test-mini*.json", "*test_mini*.json"),
    layout="mmau-test-mini.json + test-mini-audios/<id>.wav",
    hub_id="gamma-lab-umd/MMAU-test-mini",
    revision="github:Sakshi113/MMAU@110127f5 (content f0a4a97, v05.15.25)",
    expected_sha256=TEST_MINI_SHA256,
    expected_items=1000,
    groups=("audio_mcq", "audio_mcq_suite"),
    source_layout=SourceLayout(fields=FIELDS, audio_dir="test-mini-audios"),
    **_COMMON,
)

MMAU_TEST = BenchmarkSpec(
    name="mmau_test",
    split="test",
    description="MMAU test: 9,000 items, answers withheld (submit to the authors' evaluator)",
    metadata=("mmau-test.json", "test.json", "*mmau*test.json"),
    layout="mmau-test.json + test-audios/<id>.wav",
    hub_id="gamma-lab-umd/MMAU-test",
    revision="github:Sakshi113/MMAU (v05.15.25)",
    answers_withheld=True,
    source_layout=SourceLayout(fields=FIELDS, audio_dir="test-audios"),
    **_COMMON,
)

SPECS = (MMAU_TEST_MINI, MMAU_TEST)


def write_submission(
    items: Iterable[Item],
    predictions: Mapping[str, str],
    path: str | Path,
    key: str = "model_output",
) -> int:
    """Write the authors' evaluator input: each source record plus the model's output.

    Every item must have a prediction (the evaluator silently skips items without one, which
    would inflate the score); the missing ids are listed in the error.
    """
    items = list(items)
    missing = [it.id for it in items if it.id not in predictions]
    if missing:
        raise ValueError(
            f"{len(missing)} item(s) have no prediction, e.g. {missing[:5]}; "
            "run the model on every item before writing the submission"
        )
    records = [{**(it.source or it.to_dict()), key: predictions[it.id]} for it in items]
    Path(path).write_text(json.dumps(records, ensure_ascii=False, indent=1), encoding="utf-8")
    return len(records)
