"""Shared helpers for the TRL tests: tiny checkpoints, synthetic clips, TRL-ready data.

Checkpoints are built once per machine into a cache directory (atomically renamed into place, so
parallel pytest workers do not race) and reused by every TRL test module.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from audiomcq_plugins.audio import SAMPLE_RATE
from tests.processes import run

CACHE = Path(os.environ.get("AUDIOMCQ_TEST_CACHE", Path(tempfile.gettempdir()) / "audiomcq-test"))
REPO = Path(__file__).resolve().parents[1]


#: The architectures of :func:`tiny_checkpoint` (built together by conftest's
#: ``tiny_checkpoints`` session fixture).
ARCHS = ("qwen2.5-omni", "qwen2-audio", "qwen3-omni")


def tiny_checkpoint(arch: str, size: str = "tiny") -> Path:
    """A trainable checkpoint of a tiny-model ``size``: Qwen2-Audio as built, Omni models as
    extracted thinkers. Built quietly (no progress bars or warnings reach the calling test's
    captured output)."""
    out = CACHE / f"{size}-{arch}"
    if (out / "config.json").is_file():
        return out
    CACHE.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=CACHE))
    with quietly():
        built = _build(arch, work, size)
    try:
        os.replace(built, out)
    except OSError:  # another worker won the race
        pass
    shutil.rmtree(work, ignore_errors=True)
    return out


def _build(arch: str, work: Path, size: str) -> Path:
    from audiomcq_plugins.models.tiny import build_tiny_model

    build_tiny_model(arch, work / "full", size=size, seed=0)
    if arch == "qwen2-audio":
        return work / "full"
    from audiomcq_plugins.models.thinker import extract_thinker

    return Path(extract_thinker(work / "full", work / "thinker"))


@contextlib.contextmanager
def quietly() -> Iterator[None]:
    """Nothing printed: stdout/stderr swallowed, transformers' warnings and bars off."""
    from transformers.utils import logging as hf_logging

    level, bars = hf_logging.get_verbosity(), hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    sink = io.StringIO()
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            yield
    finally:
        hf_logging.set_verbosity(level)
        if bars:
            hf_logging.enable_progress_bar()


def tone(freq: float, seconds: float, sr: int = SAMPLE_RATE) -> np.ndarray:
    t = np.arange(int(sr * seconds)) / sr
    return (0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def write_items(root: Path, n: int = 8, *, weak_every: int = 4, tagged: bool = False) -> Path:
    """Canonical items with tone clips of different lengths (pitch question); every
    ``weak_every``-th item is weak. ``tagged``: every clip has its own pitch and every question
    starts with ``Item <i>:``, so a row's clip and item can be told apart in a batch. Returns
    the items file (clips under ``root``)."""
    from audiomcq_plugins.audio import write_audio
    from audiomcq_plugins.items import Item
    from audiomcq_plugins.items import write_items as write

    root.mkdir(parents=True, exist_ok=True)
    items = []
    for i in range(n):
        high = i % 2 == 1
        seconds = (0.4, 0.9, 0.6, 1.2)[i % 4]
        freq = 300.0 + 150.0 * i if tagged else (1760 if high else 440)
        question = f"Item {i}: is the tone high or low?" if tagged else "Is the tone high or low?"
        write_audio(root / f"clip{i}.wav", tone(freq, seconds), SAMPLE_RATE)
        items.append(
            Item(
                id=f"t{i}",
                benchmark="synth",
                split="train",
                audio=f"clip{i}.wav",
                question=question,
                choices=["low", "high"],
                answer="high" if high else "low",
                audio_contribution="weak" if i % weak_every == weak_every - 1 else "strong",
                breakdown={"question_type": "pitch"},
            )
        )
    path = root / "items.jsonl"
    write(items, path)
    return path


def trl_data(root: Path, n: int = 8, **item_options: Any) -> Path:
    """TRL-ready data (``root/trl/{sft,grpo}/{weak,strong,mixed}``) from fresh items
    (:func:`write_items` options)."""
    from audiomcq_plugins.integrations.trl.data import prepare

    items = write_items(root / "clips", n, **item_options)
    prepare(items, root / "clips", root / "trl")
    return root / "trl"


def varied_reward(prompts, completions, **kwargs):
    """A test reward that differs between completions (so advantages are non-zero)."""
    texts = [c[0]["content"] if isinstance(c, list) else c for c in completions]
    return [float(len(set(t)) % 5) for t in texts]


def subprocess_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    env.update(
        TOKENIZERS_PARALLELISM="false",
        HF_HUB_OFFLINE="1",
        HF_DATASETS_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        WANDB_DISABLED="true",
        ACCELERATE_USE_CPU="true",
    )
    return env


def run_ok(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """Run a training command in a subprocess (offline env); fail the test with its log tail."""
    proc = run(cmd, cwd=cwd, env=subprocess_env(), timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    return proc
