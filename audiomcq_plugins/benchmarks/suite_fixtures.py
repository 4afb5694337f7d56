"""Fixture writers of the suite's newer benchmarks (AIR-Bench Foundation, MMAU-Pro), in their
official layouts; :mod:`audiomcq_plugins.benchmarks.fixtures` lists them with the others."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from audiomcq_plugins.audio import SAMPLE_RATE, write_audio
from audiomcq_plugins.benchmarks import synth


def examples(n: int, seed: int, max_seconds: float) -> list[tuple[dict, np.ndarray]]:
    cfg = synth.SynthConfig(seed=seed, min_seconds=0.5, max_seconds=max_seconds)
    return list(synth.examples(n, cfg))


def write_json(path: Path, records: list[dict[str, Any]], jsonl: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        if jsonl:
            fh.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
        else:
            json.dump(records, fh, ensure_ascii=False, indent=1)


def air_bench(out: Path, n: int, seed: int, max_seconds: float, quirks: bool) -> Path:
    """``Foundation/Foundation_meta.json`` + ``Foundation/<task>_<dataset>/``: items of two
    sub-tasks, some with two options (``choice_c``/``choice_d`` null or absent), and one
    ``Audio_Grounding`` item whose metadata names a ``.wav`` that exists as ``.flac``."""
    from audiomcq_plugins.benchmarks.air_bench import SUBSETS, TASKS

    records = []
    for i, (ex, audio) in enumerate(examples(n, seed, max_seconds)):
        task = next(t for t in TASKS if SUBSETS[i % 3].startswith(t))
        subset = SUBSETS[i % 3] if i % 5 != 4 else "Audio_Grounding_AudioGrounding"
        task = "Audio_Grounding" if i % 5 == 4 else task
        name = f"clip_{seed}_{i:05d}.wav"
        on_disk = name[:-3] + "flac" if task == "Audio_Grounding" else name
        path = out / "Foundation" / subset / on_disk
        path.parent.mkdir(parents=True, exist_ok=True)
        write_audio(path, audio, SAMPLE_RATE, subtype="PCM_16")
        choices = ex["choices"][:2] if i % 4 == 1 else ex["choices"][:4]
        if ex["answer"] not in choices:
            choices = [ex["answer"], *choices[1:]]
        rec = {
            "uniq_id": 1000 * seed + i,
            "path": name,
            "question": ex["question"],
            "answer_gt": ex["answer"],
            "task_name": task,
            "dataset_name": subset[len(task) + 1 :],
        }
        for column, text in zip(
            ("choice_a", "choice_b", "choice_c", "choice_d"), choices, strict=False
        ):
            rec[column] = text
        if len(choices) == 2 and i % 8 == 1:
            rec["choice_c"] = rec["choice_d"] = None
        records.append(rec)
    write_json(out / "Foundation" / "Foundation_meta.json", records)
    return out


MMAU_PRO_CATEGORIES = ("sound", "music", "speech", "sound-music")


def mmau_pro(out: Path, n: int, seed: int, max_seconds: float, quirks: bool) -> Path:
    """``test.parquet`` + ``data/<uuid>.wav``: closed-form items (every third one multi-audio:
    its own clip, then a second and a third clip), one open-ended and one
    instruction-following item that the loader leaves out; ``audio_path`` is a list, as
    multi-audio rows need."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = []
    (out / "data").mkdir(parents=True, exist_ok=True)
    for i, (ex, audio) in enumerate(examples(n + 2, seed, max_seconds)):
        names = [f"data/{seed:03d}-{i:05d}-{k}.wav" for k in range(3 if i % 3 == 2 else 1)]
        for k, name in enumerate(names):
            write_audio(out / name, audio if k == 0 else audio[::-1].copy(), SAMPLE_RATE)
        category = MMAU_PRO_CATEGORIES[i % len(MMAU_PRO_CATEGORIES)]
        choices = list(ex["choices"])
        if i == n:
            category, choices = "open", []
        elif i == n + 1:
            category, choices = "instruction following", []
        rows.append(
            {
                "id": f"mmau_pro_synth_{seed}_{i:05d}",
                "audio_path": names,
                "question": ex["question"],
                "choices": choices,
                "answer": ex["answer"],
                "category": category,
            }
        )
    out.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows), out / "test.parquet")
    return out
