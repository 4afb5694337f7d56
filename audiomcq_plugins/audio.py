"""Audio I/O: decode, down-mix, resample to 16 kHz, safe paths, ablation transforms.

Decoding uses soundfile (wav, flac, ogg, mp3) and resampling soxr; the result is always mono
float32 at :data:`SAMPLE_RATE`. Paths from dataset files are resolved under a data root and
refused when they escape it.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from audiomcq_plugins import hookimpl
from audiomcq_plugins.audioref import AudioRef, describe

SAMPLE_RATE = 16_000
MONO_MODES = ("mean", "first")
#: Bounds on what a file's header may declare, so that a hostile or broken header cannot make
#: one clip decode to gigabytes: telephone audio (8 kHz) is the lowest real rate we expect.
MIN_SOURCE_RATE = 4_000
MAX_SECONDS = 30 * 60


class AudioError(ValueError):
    """A clip could not be found, read or decoded; names the item and says what to do."""

    def __init__(self, reason: str, *, item_id: str | None = None, source: Any = None) -> None:
        self.reason = reason
        self.item_id = item_id
        self.source = source
        where = f"item {item_id}: " if item_id is not None else ""
        shown = f" ({describe(source)})" if source is not None else ""
        super().__init__(f"{where}audio{shown}: {reason}")


@dataclass
class Audio:
    """A mono float32 clip."""

    array: np.ndarray
    sampling_rate: int = SAMPLE_RATE

    @property
    def duration(self) -> float:
        return len(self.array) / self.sampling_rate

    def as_hf(self) -> dict[str, Any]:
        """The ``{"array", "sampling_rate"}`` dict that harnesses and processors take."""
        return {"array": self.array, "sampling_rate": self.sampling_rate}


def resolve_path(
    rel: str | os.PathLike, data_root: str | os.PathLike | None, item_id: str | None = None
) -> Path:
    """Resolve a dataset path under ``data_root``, refusing anything that escapes it.

    Absolute paths, ``..`` components and symlinks pointing outside the root are refused.
    With no data root, only paths relative to the working directory are accepted.
    """
    rel_s = os.fspath(rel)
    if not rel_s:
        raise AudioError("empty audio path", item_id=item_id, source=rel)
    p = Path(rel_s)
    if p.is_absolute():
        raise AudioError(
            "absolute paths are refused; store paths relative to the data root",
            item_id=item_id,
            source=rel,
        )
    root = Path(data_root if data_root is not None else ".").resolve()
    candidate = (root / p).resolve()
    if candidate != root and root not in candidate.parents:
        raise AudioError(
            f"path escapes the data root {root} (via '..' or a symlink); "
            "keep every clip inside the data root",
            item_id=item_id,
            source=rel,
        )
    return candidate


def _to_mono(data: np.ndarray, mono: str) -> np.ndarray:
    if data.ndim == 1:
        return data
    if mono == "first":
        return data[:, 0]
    if mono == "mean":
        return data.mean(axis=1)
    raise ValueError(f"mono must be one of {MONO_MODES}, not {mono!r}")


def to_target(
    array: np.ndarray, sr: int, *, mono: str = "mean", target_sr: int = SAMPLE_RATE
) -> np.ndarray:
    """Down-mix (frames x channels) and resample to ``target_sr``; returns float32."""
    import soxr

    data = _to_mono(np.asarray(array, dtype=np.float32), mono)
    if sr != target_sr and len(data):
        data = soxr.resample(data, sr, target_sr, quality="HQ")
    return np.ascontiguousarray(data, dtype=np.float32)


def _check_header(info: Any, item_id: str | None, source: Any) -> None:
    """Refuse a header declaring an implausible sample rate or a clip over
    :data:`MAX_SECONDS` before anything is decoded."""
    if info.samplerate < MIN_SOURCE_RATE:
        raise AudioError(
            f"its header declares a sample rate of {info.samplerate} Hz (below "
            f"{MIN_SOURCE_RATE} Hz): the header is corrupt; re-download or re-encode the file",
            item_id=item_id,
            source=source,
        )
    if info.frames > MAX_SECONDS * info.samplerate:
        raise AudioError(
            f"its header declares {info.frames / info.samplerate:.0f} s of audio (over "
            f"{MAX_SECONDS} s): cut it into shorter clips, or the header is corrupt",
            item_id=item_id,
            source=source,
        )


def resampled_length(frames: int, sr: int, target_sr: int = SAMPLE_RATE) -> int:
    """The number of samples :func:`to_target` returns for ``frames`` samples at ``sr``: soxr's
    one-shot output length, ``frames * target_sr / sr`` rounded half up (exactly, in integers)."""
    if sr == target_sr or not frames:
        return int(frames)
    return (2 * int(frames) * target_sr + sr) // (2 * sr)


def _open(source: bytes | str | os.PathLike, item_id: str | None) -> Any:
    """A soundfile handle for a path or encoded bytes; a missing or empty file is an error."""
    if isinstance(source, (bytes, bytearray)):
        if not source:
            raise AudioError("empty audio bytes", item_id=item_id, source=source)
        return io.BytesIO(source)
    path = Path(source)
    if not path.is_file():
        raise AudioError(
            "file not found; check the data root and that the audio was downloaded",
            item_id=item_id,
            source=source,
        )
    if path.stat().st_size == 0:
        raise AudioError("file is empty (0 bytes); re-download it", item_id=item_id, source=source)
    return path


def _undecodable(exc: Exception, item_id: str | None, source: Any) -> AudioError:
    return AudioError(
        f"cannot decode ({exc}); the file is corrupt, truncated or not "
        "audio: re-download or convert it",
        item_id=item_id,
        source=source,
    )


#: What soundfile raises on a file it cannot read.
_READ_ERRORS = (RuntimeError, TypeError, ValueError, EOFError)


def header_length(
    source: bytes | str | os.PathLike,
    *,
    target_sr: int = SAMPLE_RATE,
    item_id: str | None = None,
) -> int:
    """The length :func:`decode` will return for ``source``, from its header alone (frames and
    rate, :func:`resampled_length`); the same errors as :func:`decode` for a missing, empty
    or unreadable file or an implausible header. Decoding checks the prediction
    (:mod:`audiomcq_plugins.clips`)."""
    import soundfile as sf

    handle = _open(source, item_id)
    try:  # as in decode(), so that both report a bad file in the same words
        info = sf.info(handle)
        _check_header(info, item_id, source)
    except (sf.LibsndfileError, *_READ_ERRORS) as exc:
        raise _undecodable(exc, item_id, source) from None
    return resampled_length(info.frames, info.samplerate, target_sr)


def decode(
    source: bytes | str | os.PathLike,
    *,
    mono: str = "mean",
    target_sr: int = SAMPLE_RATE,
    item_id: str | None = None,
) -> Audio:
    """Decode a file path or encoded bytes to mono float32 at ``target_sr``."""
    import soundfile as sf

    if mono not in MONO_MODES:
        raise ValueError(f"mono must be one of {MONO_MODES}, not {mono!r}")
    handle = _open(source, item_id)
    try:
        _check_header(sf.info(handle), item_id, source)
        if isinstance(handle, io.BytesIO):
            handle.seek(0)
        data, sr = sf.read(handle, dtype="float32", always_2d=True)
    except (sf.LibsndfileError, *_READ_ERRORS) as exc:
        raise _undecodable(exc, item_id, source) from None
    if data.shape[0] == 0:
        raise AudioError(
            "decodes to zero samples (truncated or empty); re-download it",
            item_id=item_id,
            source=source,
        )
    if not np.isfinite(data).all():
        raise AudioError("contains NaN or infinite samples", item_id=item_id, source=source)
    return Audio(to_target(data, sr, mono=mono, target_sr=target_sr), target_sr)


@hookimpl(trylast=True, specname="load_audio")
def builtin_load_audio(source: Any, data_root: str | None, item_id: str | None, mono: str) -> Audio:
    """Built-in decoder: an item's :class:`AudioRef`, paths under the data root, bytes, or
    HF-style dicts."""
    if isinstance(source, Audio):
        return source
    if isinstance(source, dict) and source.get("array") is not None:
        sr = int(source.get("sampling_rate") or SAMPLE_RATE)
        return Audio(to_target(np.asarray(source["array"]), sr, mono=mono), SAMPLE_RATE)
    if not isinstance(source, (AudioRef, dict, bytes, bytearray, str, os.PathLike)):
        raise AudioError(
            f"unsupported audio value of type {type(source).__name__}",
            item_id=item_id,
            source=source,
        )
    try:
        ref = AudioRef.of(source)
    except ValueError:
        ref = AudioRef()  # e.g. a dict whose bytes are not bytes: nothing to read
    if ref is not None and ref.data is not None:
        return decode(ref.data, mono=mono, item_id=item_id)
    if ref is None or ref.path is None:
        raise AudioError(
            "names no clip (neither 'array', 'bytes' nor 'path'); fix the source record",
            item_id=item_id,
            source=source,
        )
    return decode(resolve_path(ref.path, data_root, item_id), mono=mono, item_id=item_id)


def load_audio(
    source: Any,
    data_root: str | os.PathLike | None = None,
    item_id: str | None = None,
    mono: str = "mean",
) -> Audio:
    """Load one clip through the ``load_audio`` hook (plugins first, built-in decoder last)."""
    from audiomcq_plugins.plugins import get_plugin_manager

    root = os.fspath(data_root) if data_root is not None else None
    return get_plugin_manager().hook.load_audio(
        source=source, data_root=root, item_id=item_id, mono=mono
    )


def write_audio(
    path: str | os.PathLike, array: np.ndarray, sr: int = SAMPLE_RATE, **kwargs: Any
) -> None:
    """Write a clip with soundfile (format from the extension: .wav, .flac, .ogg, .mp3)."""
    import soundfile as sf

    sf.write(os.fspath(path), np.asarray(array, dtype=np.float32), sr, **kwargs)
