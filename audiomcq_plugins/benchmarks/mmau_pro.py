"""MMAU-Pro (``gamma-lab-umd/MMAU-Pro``, gated, CC BY-NC): ``test.parquet`` beside the
``data/`` folder that ``data.zip`` extracts to. Columns ``id``, ``audio_path`` (``data/<uuid>.wav``
or a list of such paths: a multi-audio item hears every clip, in order), ``question``,
``choices`` (a list), ``answer`` (option text), ``category``.

Only the closed-form items are loaded (category neither ``open`` nor ``instruction
following``, as NeMo-Skills' ``mmau-pro/prepare.py`` splits them); the others need an LLM
judge and are counted in the quirk ``not_closed_form``. The official closed-form scorer maps
the output to the nearest choice by NV-Embed-v2 embedding (``mmau-pro-official``,
:mod:`audiomcq_plugins.scoring.embedding`); ``acc`` stays the strict reading.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from audiomcq_plugins.benchmarks.mmsu import parquet_rows
from audiomcq_plugins.benchmarks.normalize import Quirks
from audiomcq_plugins.benchmarks.records import SourceLayout, mapped_reader
from audiomcq_plugins.benchmarks.spec import BenchmarkSpec

#: Categories the official scripts judge with an LLM, not by choice (left out here).
NOT_CLOSED_FORM = ("open", "instruction following")


def _check_extracted(root: Path, path: Path) -> None:
    """``data.zip`` downloaded but not extracted is the usual first-run mistake: say so."""
    if (root / "data.zip").is_file() and not (root / "data").is_dir():
        raise FileNotFoundError(
            f"{root}/data.zip is not extracted: run `unzip {root}/data.zip -d {root}` so that "
            f"the clips {path.name} names (data/<uuid>.wav) exist, then run again"
        )


def closed_form(rec: dict[str, Any], quirks: Quirks) -> dict[str, Any] | None:
    """One source row with its ``clips`` breakdown (``single``/``multi``), or None (and the
    quirk ``not_closed_form``) for an open-ended or instruction-following row."""
    if str(rec.get("category") or "").strip().lower() in NOT_CLOSED_FORM:
        quirks.flag("not_closed_form", str(rec.get("id")))
        return None
    audio = rec.get("audio_path")
    if isinstance(audio, (list, tuple)) and len(audio) == 1:
        audio = audio[0]  # one clip, as a list
    many = isinstance(audio, (list, tuple)) and len(audio) > 1
    return {**rec, "audio_path": audio, "clips": "multi" if many else "single"}


def mmau_pro_rows(
    spec: BenchmarkSpec, root: Path, path: Path, quirks: Quirks
) -> list[dict[str, Any]]:
    """``test.parquet`` -> its closed-form rows (:func:`closed_form` each)."""
    _check_extracted(root, path)
    rows = [closed_form(rec, quirks) for rec in parquet_rows(spec, path)]
    return [row for row in rows if row is not None]


MMAU_PRO = BenchmarkSpec(
    name="mmau_pro",
    family="mmau_pro",
    split="test",
    description="MMAU-Pro closed-form: 4,593 multiple-choice items of 5,305 (sound, music, "
    "speech, their mixes, spatial; multi-audio items hear every clip)",
    reader=mapped_reader(mmau_pro_rows),
    metadata=("test.parquet", "**/test.parquet"),
    layout="test.parquet + data/<uuid>.wav (unzip data.zip beside test.parquet; gated: accept "
    "the licence on the Hub page and log in first)",
    hub_id="gamma-lab-umd/MMAU-Pro",
    hub_audio=("data.zip",),
    revision="hf:gamma-lab-umd/MMAU-Pro (gated; no public pin)",
    default_prompt="mmau_pro",
    official_scorer="mmau-pro-official",
    breakdowns=("category", "clips"),
    breakdown_values={"clips": ("single", "multi")},
    groups=("audio_mcq_suite",),
    source_layout=SourceLayout(
        fields={
            "id": "id",
            "audio": "audio_path",
            "question": "question",
            "choices": "choices",
            "answer": "answer",
        },
    ),
)

SPECS = (MMAU_PRO,)
