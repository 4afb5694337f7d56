"""Fixture writers: a small synthetic copy of each benchmark in its *official* layout, so tests
read it exactly as a user's download would be read. Items and audio come from the synthetic
suite; nothing of the real benchmarks is copied.

>>> root = write_fixture("mmau_test_mini", tmp_path, n=8)   # doctest: +SKIP
>>> get_spec("mmau_test_mini").load(root)                    # doctest: +SKIP

``quirks=True`` plants the real files' quirks (a category list, trailing spaces, a duplicate
choice, five choices, a trailing empty choice) in the first items.
"""

from __future__ import annotations

import io
import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from audiomcq_plugins.audio import SAMPLE_RATE, write_audio
from audiomcq_plugins.benchmarks import suite_fixtures, synth
from audiomcq_plugins.benchmarks.suite_fixtures import examples, write_json

#: family name -> the benchmark its fixture is written for
FAMILY_DEFAULT = {
    "mmau": "mmau_test_mini",
    "mmar": "mmar",
    "mmsu": "mmsu",
    "audiomcq": "audiomcq",
    "strongac": "audiomcq_strongac_geminicot",
    "dcase": "dcase2026_task5_dev",
    "synth": "audiomcq_synth",
}
MMAU_TASK = {"sound": "sound", "music": "music", "speech": "speech", "temporal": "sound"}
MMAR_MODALITY = {
    "sound": "sound",
    "music": "music",
    "speech": "speech",
    "temporal": "mix-sound-music",
}
SOURCES = ("clotho", "musiccaps")


def _clip(path: Path, audio: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_audio(path, audio, SAMPLE_RATE, subtype="PCM_16")


def _uuid(seed: int, i: int) -> str:
    return str(uuid.UUID(int=int(np.random.default_rng([seed, i, 99]).integers(2**63)) << 64 | i))


def _plant_quirks(records: list[dict[str, Any]], family: str) -> None:
    """Real-world quirks in the first items (each on its own item)."""
    if len(records) < 5:
        raise ValueError("quirks=True needs n >= 5")
    if family == "mmau":
        records[0]["category"] = [records[0]["category"]]
    r = records[1]
    r["choices"] = [c + " " if c == r["answer"] else c for c in r["choices"]]
    r["answer"] += " "
    choices = records[2]["choices"]
    wrong = [k for k, c in enumerate(choices) if c != records[2]["answer"]]
    choices[wrong[-1]] = choices[wrong[0]]
    records[3]["choices"] = [*records[3]["choices"], "none of the above"]
    if family == "mmar":
        records[4]["choices"] = [*records[4]["choices"], ""]


def _mmau(out: Path, n: int, seed: int, max_seconds: float, quirks: bool, test: bool) -> Path:
    split = "test" if test else "test-mini"
    audio_dir = f"{split}-audios"
    records = []
    for i, (ex, audio) in enumerate(examples(n, seed, max_seconds)):
        iid = _uuid(seed, i)
        _clip(out / audio_dir / f"{iid}.wav", audio)
        records.append(
            {
                "id": iid,
                "audio_id": f"./{audio_dir}/{iid}.wav",
                "question": ex["question"],
                "choices": ex["choices"],
                "answer": "" if test else ex["answer"],
                "dataset": "synthetic",
                "task": MMAU_TASK[ex["question_type"]],
                "split": split,
                "category": "Reasoning" if i % 2 else "Information Extraction",
                "sub-category": ex["subtask"],
                "difficulty": ("easy", "medium", "hard")[i % 3],
            }
        )
    if quirks:
        _plant_quirks(records, "mmau")
    write_json(out / f"mmau-{split}.json", records)
    return out


def _mmar(out: Path, n: int, seed: int, max_seconds: float, quirks: bool) -> Path:
    records = []
    for i, (ex, audio) in enumerate(examples(n, seed, max_seconds)):
        iid = f"synth{seed}_{i:05d}_00-00-00_00-00-{int(ex['duration']):02d}"
        _clip(out / "audio" / f"{iid}.wav", audio)
        records.append(
            {
                "id": iid,
                "audio_path": f"./audio/{iid}.wav",
                "question": ex["question"],
                "choices": ex["choices"],
                "answer": ex["answer"],
                "modality": MMAR_MODALITY[ex["question_type"]],
                "category": ("Signal Layer", "Perception Layer", "Semantic Layer")[i % 3],
                "sub-category": ex["subtask"],
                "language": "en" if ex["question_type"] == "speech" else None,
                "source": "synthetic",
                "url": "",
                "timestamp": "00:00:00,00:00:10",
                "thinking": ex["simple_cot"],
                "cue": [],
                "rubric": [],
            }
        )
    if quirks:
        _plant_quirks(records, "mmar")
    write_json(out / "MMAR-meta.jsonl", records, jsonl=True)
    return out


def wav_bytes(audio: np.ndarray, sr: int = SAMPLE_RATE) -> bytes:
    """A clip encoded as WAV bytes (what HF parquet audio structs embed)."""
    import soundfile as sf

    buf = io.BytesIO()
    sf.write(buf, np.asarray(audio, dtype=np.float32), sr, format="WAV", subtype="PCM_16")
    return buf.getvalue()


def _mmsu(out: Path, n: int, seed: int, max_seconds: float, quirks: bool) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = []
    for i, (ex, audio) in enumerate(examples(n, seed, max_seconds)):
        choices = (ex["choices"] + [None] * 4)[:4]
        rows.append(
            {
                "id": f"mmsu_synth_{seed}_{i:05d}",
                "audio": {"bytes": wav_bytes(audio), "path": f"{ex['id']}.wav"},
                "question": ex["question"],
                **{f"choice_{c}": v for c, v in zip("abcd", choices, strict=True)},
                "answer_gt": ex["answer"],
                "task_name": ex["subtask"],
                "category": "perception" if i % 2 else "reasoning",
                "sub-category": ex["question_type"],
                "sub-sub-category": ex["subtask"],
                "linguistics_sub_discipline": "phonetics",
            }
        )
    (out / "data").mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows), out / "data" / "train-00000-of-00001.parquet")
    return out


def _audiomcq(out: Path, n: int, seed: int, max_seconds: float, quirks: bool) -> Path:
    records = []
    for i, (ex, audio) in enumerate(examples(n, seed, max_seconds)):
        source = SOURCES[i % len(SOURCES)]
        rel = f"development/{ex['id']}.wav" if source == "clotho" else f"{ex['id']}.wav"
        _clip(out / "audio" / source / rel, audio)
        records.append(
            {
                **{k: ex[k] for k in ("id", "question_type", "question", "choices", "answer")},
                "source_dataset": source,
                "audio_path": rel,
                "audio-contribution": ex["audio-contribution"],
                "structured_cot": ex["structured_cot"],
                "simple_cot": ex["simple_cot"],
            }
        )
    if quirks:
        _plant_quirks(records, "audiomcq")
    write_json(out / "AudioMCQ.json", records)
    return out


def _strongac(out: Path, n: int, seed: int, max_seconds: float, quirks: bool) -> Path:
    records = []
    for ex, audio in examples(n, seed, max_seconds):
        _clip(out / "audios" / f"{ex['id']}.wav", audio)
        records.append(
            {
                **{k: ex[k] for k in ("id", "question", "choices", "answer", "question_type")},
                "audio_path": f"audios/{ex['id']}.wav",
                "source_dataset": "synth",
                "gemini_cot": ex["structured_cot"],
            }
        )
    write_json(out / "data.jsonl", records, jsonl=True)
    return out


def _dcase(out: Path, n: int, seed: int, max_seconds: float, quirks: bool) -> Path:
    records = []
    for i, (ex, audio) in enumerate(examples(n, seed, max_seconds)):
        name = f"dev_{seed}_{i:05d}.wav"
        _clip(out / "dev_audios" / name, audio)
        records.append(
            {
                "id": f"dev_{seed}_{i:05d}",
                # both spellings seen in the wild: a bare file name and one under dev_audios/
                "audio_path": name if i % 2 else f"dev_audios/{name}",
                "question_text": ex["question"],
                "multi_choice": ex["choices"],
                "answer": ex["answer"],
                "question_type": ex["question_type"],
            }
        )
    write_json(out / "dev.jsonl", records, jsonl=True)
    return out


def _synth(out: Path, n: int, seed: int, max_seconds: float, quirks: bool) -> Path:
    synth.generate(out, n=n, seed=seed, max_seconds=max_seconds)
    return out


WRITERS: dict[str, Callable[..., Path]] = {
    "mmau_test_mini": lambda *a: _mmau(*a, test=False),
    "mmau_test": lambda *a: _mmau(*a, test=True),
    "mmar": _mmar,
    "mmsu": _mmsu,
    "audiomcq": _audiomcq,
    "audiomcq_strongac_geminicot": _strongac,
    "dcase2026_task5_dev": _dcase,
    "air_bench_foundation": suite_fixtures.air_bench,
    "mmau_pro": suite_fixtures.mmau_pro,
    "audiomcq_synth": _synth,
}


def write_fixture(
    name: str,
    out_dir: str | os.PathLike,
    n: int = 8,
    seed: int = 0,
    *,
    max_seconds: float = 1.0,
    quirks: bool = False,
) -> Path:
    """Write a fixture of benchmark (or family) ``name`` into ``out_dir``; returns the
    directory to pass as ``source`` to the benchmark's loader."""
    key = FAMILY_DEFAULT.get(name, name)
    if key not in WRITERS:
        raise KeyError(f"no fixture writer for {name!r}; known: {sorted(WRITERS)}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return WRITERS[key](out, n, seed, max_seconds, quirks)
