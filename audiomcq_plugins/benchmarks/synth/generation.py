"""Generating the synthetic suite: items from ``(seed, index)``, written in the AudioMCQ layout,
and cached by settings (:func:`ensure`)."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from audiomcq_plugins import cache
from audiomcq_plugins.audio import to_target, write_audio
from audiomcq_plugins.benchmarks.audiomcq import QUESTION_TYPES
from audiomcq_plugins.benchmarks.synth.signals import SR
from audiomcq_plugins.benchmarks.synth.subtasks import (
    SIMPLE_COT,
    STRUCTURED_COT,
    SUBTASKS,
    WEAK_TEMPLATES,
)

METADATA_FILE = "audiomcq_synth.json"
SOURCE = "synth"
AUDIO_DIR = f"audio/{SOURCE}"  # the AudioMCQ per-source audio root


@dataclass(frozen=True)
class SynthConfig:
    """Settings of a suite; the cache key of :func:`ensure`."""

    seed: int = 0
    min_seconds: float = 0.5
    max_seconds: float = 10.0
    weak_fraction: float = 0.5
    subtasks: tuple[str, ...] = tuple(SUBTASKS)
    split: str = "test"

    def __post_init__(self) -> None:
        unknown = [s for s in self.subtasks if s not in SUBTASKS]
        if unknown or not self.subtasks:
            raise ValueError(f"unknown sub-tasks {unknown}; choose from {list(SUBTASKS)}")
        if not 0 < self.min_seconds <= self.max_seconds:
            raise ValueError(
                f"need 0 < min_seconds <= max_seconds, got {self.min_seconds}, {self.max_seconds}"
            )
        if not 0.0 <= self.weak_fraction <= 1.0:
            raise ValueError(f"weak_fraction must be within [0, 1], got {self.weak_fraction}")

    def key(self) -> str:
        blob = json.dumps(self.__dict__, sort_keys=True, default=list)
        return cache.sha256_bytes(blob.encode())[:12]


def _arrange(answer: str, pool: Sequence[str], position: int, rng: np.random.Generator) -> list:
    others = [c for c in pool if c != answer]
    picked = [others[i] for i in rng.permutation(len(others))[:3]]
    return picked[:position] + [answer] + picked[position:]


def make_example(index: int, config: SynthConfig | None = None) -> tuple[dict, np.ndarray]:
    """Item ``index`` of the suite: its AudioMCQ-schema record and its 16 kHz float32 clip."""
    cfg = config or SynthConfig()
    rng = np.random.default_rng([cfg.seed, index])
    block = np.random.default_rng([cfg.seed, index // 4, 7919])
    position = int(block.permutation(4)[index % 4])
    seconds = float(np.round(rng.uniform(cfg.min_seconds, cfg.max_seconds), 2))
    # Question type first (uniformly), then one of its enabled sub-tasks.
    types = [t for t in QUESTION_TYPES if any(SUBTASKS[s].question_type == t for s in cfg.subtasks)]
    qtype = types[int(rng.integers(len(types)))]
    own = [s for s in cfg.subtasks if SUBTASKS[s].question_type == qtype]
    task = SUBTASKS[own[int(rng.integers(len(own)))]]
    weak = rng.random() < cfg.weak_fraction
    label = int(rng.integers(4))
    audio = task.render(label, seconds, rng)
    answer, pool = task.labels[label], task.labels
    question = task.questions[int(rng.integers(len(task.questions)))]
    if weak:
        template = WEAK_TEMPLATES[int(rng.integers(len(WEAK_TEMPLATES)))]
        question = template.format(answer=answer, question=question)
        evidence = "The question itself tells the answer"
        subtask = f"{qtype}_text"
    else:
        evidence = "Listening to the audio, " + task.describe.format(label=answer)
        subtask = task.name
    floor = rng.standard_normal(len(audio), dtype=np.float32) * np.float32(0.003)
    audio = audio * np.float32(rng.uniform(0.3, 0.9)) + floor
    item_id = f"synth-{cfg.seed}-{index:06d}"
    record = {
        "id": item_id,
        "source_dataset": SOURCE,
        "question_type": qtype,
        "subtask": subtask,
        "audio_path": f"{item_id}.wav",
        "question": question,
        "choices": _arrange(answer, pool, position, rng),
        "answer": answer,
        "audio-contribution": "weak" if weak else "strong",
        "duration": seconds,
        "split": cfg.split,
        "structured_cot": STRUCTURED_COT.format(qtype=qtype, evidence=evidence, answer=answer),
        "simple_cot": SIMPLE_COT.format(evidence=evidence, answer=answer),
    }
    return record, np.clip(audio, -1.0, 1.0).astype(np.float32)


def examples(n: int, config: SynthConfig | None = None) -> Iterator[tuple[dict, np.ndarray]]:
    """The first ``n`` items in memory (no files), e.g. for a training loop."""
    for i in range(n):
        yield make_example(i, config)


def generate(
    out_dir: str | os.PathLike,
    n: int = 200,
    seed: int = 0,
    *,
    min_seconds: float = 0.5,
    max_seconds: float = 10.0,
    weak_fraction: float = 0.5,
    subtasks: Sequence[str] | None = None,
    split: str = "test",
    sample_rate: int = SR,
    progress: bool = False,
) -> Path:
    """Write a suite in the AudioMCQ layout; returns the metadata file.

    ``out_dir/audiomcq_synth.json`` (a JSON list of records) and
    ``out_dir/audio/synth/<id>.wav`` (mono PCM-16 at ``sample_rate``, 16 kHz by default; other
    rates make loaders resample, as with real downloads). The metadata is written last, so a
    directory holding it is complete.
    """
    cfg = SynthConfig(
        seed=seed,
        min_seconds=min_seconds,
        max_seconds=max_seconds,
        weak_fraction=weak_fraction,
        subtasks=tuple(subtasks) if subtasks else tuple(SUBTASKS),
        split=split,
    )
    out = Path(out_dir)
    (out / AUDIO_DIR).mkdir(parents=True, exist_ok=True)
    records = []
    it: Any = examples(n, cfg)
    if progress:
        from tqdm.auto import tqdm

        it = tqdm(it, total=n, desc="synth", unit="clip")
    for record, audio in it:
        if sample_rate != SR:
            audio = to_target(audio, SR, target_sr=sample_rate)
        write_audio(out / AUDIO_DIR / record["audio_path"], audio, sample_rate, subtype="PCM_16")
        records.append(record)
    meta = out / METADATA_FILE
    tmp = meta.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(records, indent=1), encoding="utf-8")
    os.replace(tmp, meta)
    return meta


def cache_dir() -> Path:
    return cache.cache_dir("synth")


def ensure(directory: str | os.PathLike | None = None, n: int = 200, **settings: Any) -> Path:
    """A suite directory, generated once (atomically) when absent.

    With no ``directory`` the suite lives in the cache (``$AUDIOMCQ_CACHE/synth/...``, keyed
    by its settings).
    """
    cfg = SynthConfig(**{k: tuple(v) if k == "subtasks" else v for k, v in settings.items()})
    target = Path(directory) if directory else cache_dir() / f"n{n}-{cfg.key()}"
    if (target / METADATA_FILE).is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".synth-", dir=target.parent))
    try:
        generate(tmp, n, **cfg.__dict__)
        if target.exists() and not any(target.iterdir()):
            target.rmdir()
        if target.exists():  # a user directory with other files: add the suite beside them
            shutil.copytree(tmp, target, dirs_exist_ok=True)
        else:
            os.replace(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target
