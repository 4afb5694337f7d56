"""What replaces a clip in an ablation (the silent-audio vote, noise probes): silence or seeded
white noise of the clip's length or a fixed one, as 16 kHz mono float32 arrays."""

from __future__ import annotations

import numpy as np

from audiomcq_plugins.audio import SAMPLE_RATE, Audio

ABLATION_SECONDS = 30.0  # the silent-audio vote replaces each clip by 30 s of silence


def n_samples(seconds: float, sr: int = SAMPLE_RATE) -> int:
    """Samples in ``seconds`` of generated audio (silence, noise)."""
    return int(round(seconds * sr))


def silence(seconds: float = ABLATION_SECONDS, sr: int = SAMPLE_RATE) -> np.ndarray:
    return np.zeros(n_samples(seconds, sr), dtype=np.float32)


def white_noise(
    seconds: float = ABLATION_SECONDS, *, seed: int = 0, level: float = 0.1, sr: int = SAMPLE_RATE
) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (level * rng.standard_normal(n_samples(seconds, sr))).astype(np.float32)


ABLATIONS = ("silence", "noise")


def ablate(
    audio: Audio, kind: str = "silence", length: str | float = "clip", seed: int = 0
) -> Audio:
    """Replace a clip by silence or white noise of the clip's length or a fixed length (s)."""
    seconds = audio.duration if length == "clip" else float(length)
    if kind == "silence":
        return Audio(silence(seconds, audio.sampling_rate), audio.sampling_rate)
    if kind == "noise":
        return Audio(white_noise(seconds, seed=seed, sr=audio.sampling_rate), audio.sampling_rate)
    raise ValueError(f"unknown ablation {kind!r}; choose one of {ABLATIONS}")
