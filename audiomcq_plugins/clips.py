"""Clips decoded on demand, their 16 kHz length known before decoding: :class:`Clip`.

Evaluation orders requests by audio length before batching, so each clip's length is needed
up front, but its samples only when its batch is encoded. A :class:`Clip` carries both: the
length now, the samples from :meth:`Clip.array` later (in the batch's encoding step, which
overlaps the model). The length of a file comes from, in turn:

1. a length remembered from an earlier run (``<cache>/clip_lengths/``, keyed by the file's
   content hash when the reference has one, else its path, size and modification time, and by
   the decoders installed);
2. the file's header (:func:`audiomcq_plugins.audio.header_length`), when the built-in decoder
   is the only ``load_audio`` implementation;
3. otherwise (a plugin decoder may return any length) one decode, whose length is remembered.

Decoding checks the predicted length. A mismatch (a header that misstates its frame count)
is remembered, so later runs order exactly, and reported once per clip as a warning naming
the item; that run goes on with the decoded clip, in the order the prediction gave. Silence
and noise have the length their duration says.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from audiomcq_plugins import ablations, audio
from audiomcq_plugins.cache import cache_dir, sha256_bytes, write_atomic

#: Cache subfolder of remembered lengths.
LENGTHS = "clip_lengths"


@dataclass(frozen=True, eq=False)
class Clip:
    """A mono 16 kHz clip of ``n_samples`` samples, decoded by :meth:`array` (each call
    decodes again: keep the array while you need it). ``label`` names it in messages."""

    n_samples: int
    load: Callable[[], np.ndarray]
    label: str = ""

    def array(self) -> np.ndarray:
        return self.load()

    def __repr__(self) -> str:
        return f"Clip({self.label or '?'}, n_samples={self.n_samples})"


def silence_clip(seconds: float) -> Clip:
    return Clip(
        ablations.n_samples(seconds), lambda: ablations.silence(seconds), f"{seconds} s silence"
    )


def noise_clip(seconds: float, seed: int) -> Clip:
    return Clip(
        ablations.n_samples(seconds),
        lambda: ablations.white_noise(seconds, seed=seed),
        f"{seconds} s noise (seed {seed})",
    )


def file_clip(path: str | os.PathLike, item_id: str | None = None, sha256: str = "") -> Clip:
    """The clip at absolute ``path`` (decoded through the ``load_audio`` hook, its directory as
    the data root); ``sha256``, the file's content hash when known, keys its remembered length.
    A missing or unreadable file raises :class:`~audiomcq_plugins.audio.AudioError` here."""
    path = Path(path)
    key = _length_key(path, sha256)
    length = _remembered(key)
    if length is None and _builtin_decoder_only():
        length = audio.header_length(path, item_id=item_id)
    if length is None:
        length = len(_decode(path, item_id))
        _remember(key, length)
    predicted = length

    def load() -> np.ndarray:
        data = _decode(path, item_id)
        if len(data) != predicted:
            _remember(key, len(data))
            warnings.warn(
                f"item {item_id}: audio ({path}) decodes to {len(data)} samples at "
                f"{audio.SAMPLE_RATE} Hz, not the {predicted} its header promised; this run "
                "keeps the batch order the header gave, later runs use the decoded length",
                stacklevel=2,
            )
        return data

    return Clip(predicted, load, str(path))


def _decode(path: Path, item_id: str | None) -> np.ndarray:
    return audio.load_audio(path.name, data_root=path.parent, item_id=item_id).array


def _decoders() -> list[str]:
    from audiomcq_plugins.plugins import get_plugin_manager

    impls = get_plugin_manager().hook.load_audio.get_hookimpls()
    return sorted(impl.plugin_name for impl in impls)


def _builtin_decoder_only() -> bool:
    return _decoders() == [audio.__name__]


def _length_key(path: Path, sha256: str) -> str:
    if sha256:
        what: list = ["sha256", sha256]
    else:
        st = path.stat() if path.is_file() else None
        what = ["stat", str(path.resolve()), st and st.st_size, st and st.st_mtime_ns]
    return sha256_bytes(json.dumps([*what, _decoders(), audio.SAMPLE_RATE]).encode())


def _remembered(key: str) -> int | None:
    try:
        return int((cache_dir(LENGTHS) / key).read_text())
    except (OSError, ValueError):
        return None


def _remember(key: str, length: int) -> None:
    try:
        write_atomic(cache_dir(LENGTHS) / key, str(int(length)).encode())
    except OSError:  # a read-only cache only costs the next run a decode
        pass
