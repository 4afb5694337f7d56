"""Signals of the synthetic suite: seeded numpy primitives and one renderer per sub-task.

A renderer ``(label index, seconds, rng) -> float32 clip at 16 kHz`` draws the audio whose
answer is option ``label index`` of its sub-task (see :mod:`.subtasks`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from audiomcq_plugins.audio import SAMPLE_RATE

SR = SAMPLE_RATE


def _t(seconds: float) -> np.ndarray:
    return np.arange(int(round(seconds * SR))) / SR


def _fade(x: np.ndarray, ms: float = 5.0) -> np.ndarray:
    n = min(len(x) // 2, int(SR * ms / 1000))
    if n:
        ramp = np.linspace(0.0, 1.0, n)
        x[:n] *= ramp
        x[-n:] *= ramp[::-1]
    return x


def _harmonic(f0: np.ndarray | float, seconds: float, n_harm: int = 4) -> np.ndarray:
    """A harmonic tone with 1/k partials below Nyquist; ``f0`` may be a per-sample contour."""
    n = int(round(seconds * SR))
    if np.ndim(f0) == 0:
        phase = (2 * np.pi * float(f0) / SR) * np.arange(n, dtype=np.float32)
        top = float(f0)
    else:
        phase = (2 * np.pi / SR) * np.cumsum(np.asarray(f0, dtype=np.float64)).astype(np.float32)
        top = float(np.max(f0))
    out = np.zeros(n, dtype=np.float32)
    for k in range(1, n_harm + 1):
        if k * top >= SR / 2:
            break
        out += np.sin(k * phase) / k
    return _fade(out / (np.max(np.abs(out)) + 1e-9))


def _noise(seconds: float, rng: np.random.Generator) -> np.ndarray:
    return _fade(rng.random(int(round(seconds * SR)), dtype=np.float32) * 2 - 1)


def _clicks(seconds: float, rate: float) -> np.ndarray:
    x = np.zeros(int(round(seconds * SR)), dtype=np.float32)
    click = np.exp(-np.arange(int(0.004 * SR)) / (0.0008 * SR))
    for start in np.arange(0.02, seconds - 0.01, 1.0 / rate):
        i = int(start * SR)
        x[i : i + len(click)] += click[: len(x) - i]
    return x


def _place(total: float, segments: Sequence[tuple[float, np.ndarray]]) -> np.ndarray:
    x = np.zeros(int(round(total * SR)), dtype=np.float32)
    for start, seg in segments:
        i = int(start * SR)
        seg = seg[: max(0, len(x) - i)]
        x[i : i + len(seg)] += seg
    return x


def _events(total: float, count: int, rng: np.random.Generator, make: Callable) -> np.ndarray:
    """``count`` equal events spread over the clip with clear gaps between them."""
    slot = total / count
    length = min(0.25, 0.5 * slot)
    return _place(
        total,
        [(k * slot + rng.uniform(0.1, 0.4) * (slot - length), make(length)) for k in range(count)],
    )


# -- renderers, one per sub-task ----------------------------------------------------------


def render_sound_event(k: int, s: float, rng: np.random.Generator) -> np.ndarray:
    f = rng.uniform(300, 900)
    if k == 0:
        return _harmonic(f, s, n_harm=1)
    if k == 1:
        return _noise(s, rng)
    if k == 2:
        return _clicks(s, rate=rng.uniform(6, 10))
    return _harmonic(f * (1 + 0.25 * np.sin(2 * np.pi * 4 * _t(s))), s, n_harm=1)  # siren


def render_count(k: int, s: float, rng: np.random.Generator) -> np.ndarray:
    return _events(s, k + 1, rng, lambda length: _noise(length, rng))


PITCHES = (110.0, 262.0, 660.0, 1650.0)


def render_pitch(k: int, s: float, rng: np.random.Generator) -> np.ndarray:
    return _harmonic(PITCHES[k] * rng.uniform(0.94, 1.06), s)


CHORDS = ((0, 4, 7), (0, 3, 7), (0, 3, 6), (0, 4, 8))  # semitones above the root


def render_chord(k: int, s: float, rng: np.random.Generator) -> np.ndarray:
    root = rng.uniform(200, 400)
    return sum(_harmonic(root * 2 ** (st / 12), s, n_harm=3) for st in CHORDS[k]) / 3


TEMPI = (60, 120, 180, 240)  # beats per minute


def render_tempo(k: int, s: float, rng: np.random.Generator) -> np.ndarray:
    f = rng.uniform(500, 1000)
    beat = 60.0 / TEMPI[k]
    return _place(s, [(t, _harmonic(f, 0.05, 2)) for t in np.arange(0.0, s - 0.05, beat)])


def render_contour(k: int, s: float, rng: np.random.Generator) -> np.ndarray:
    lo, hi = rng.uniform(90, 130), rng.uniform(220, 300)
    u = _t(s) / s
    shape = (u, 1 - u, np.full_like(u, 0.5), 1 - np.abs(2 * u - 1))[k]
    return _harmonic(lo + (hi - lo) * shape, s, n_harm=8)


def render_order(k: int, s: float, rng: np.random.Generator) -> np.ndarray:
    half = s / 2
    tone = _harmonic(rng.uniform(400, 800), half * 0.9, n_harm=1)
    noise = _noise(half * 0.9, rng)
    parts = ((tone, noise), (noise, tone), (tone, None), (noise, None))[k]
    return _place(s, [(i * half, p) for i, p in enumerate(parts) if p is not None])


def render_onset(k: int, s: float, rng: np.random.Generator) -> np.ndarray:
    length = s / 8
    start = (k + rng.uniform(0.05, 0.45)) * s / 4
    return _place(s, [(start, _harmonic(rng.uniform(500, 900), length, n_harm=2))])
