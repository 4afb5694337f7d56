"""Reuse of audio features for batches that repeat one clip (silent runs).

In a ``<task>_silent`` run every item carries the same clip (30 s of silence), so extracting
its log-mel features for every item is wasted work: :class:`RepeatedClipFeatures` wraps a
processor's feature extractor and, when every clip of a call is one and the same waveform,
returns the features computed the first time that call was made (same clip, same count, same
options). Any other call goes straight through, so results never change.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

#: Distinct (clip, batch size, options) entries kept; silent runs need one or two.
MAX_ENTRIES = 8


class RepeatedClipFeatures:
    """A feature extractor that remembers its output for batches of one repeated clip."""

    def __init__(self, extractor: Any) -> None:
        self.extractor = extractor
        self.entries: dict[tuple, Any] = {}
        self.hits = 0
        self.misses = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.extractor, name)

    @staticmethod
    def _key(audio: Any, kwargs: dict[str, Any]) -> tuple | None:
        clips = list(audio) if isinstance(audio, (list, tuple)) else None
        if not clips or not all(isinstance(c, np.ndarray) for c in clips):
            return None
        first = clips[0]
        if any(c is not first and not np.array_equal(c, first) for c in clips[1:]):
            return None
        digest = hashlib.sha256(np.ascontiguousarray(first).tobytes()).hexdigest()
        return (digest, first.dtype.str, len(clips), repr(sorted(kwargs.items())))

    def __call__(self, audio: Any, *args: Any, **kwargs: Any) -> Any:
        key = None if args else self._key(audio, kwargs)
        if key is None:
            return self.extractor(audio, *args, **kwargs)
        if key not in self.entries:
            self.misses += 1
            if len(self.entries) >= MAX_ENTRIES:
                self.entries.clear()
            self.entries[key] = self.extractor(audio, **kwargs)
        else:
            self.hits += 1
        cached = self.entries[key]
        # Processors rename keys of what they get back (attention_mask ->
        # feature_attention_mask): hand out a fresh mapping over the same tensors.
        return type(cached)(dict(cached)) if hasattr(cached, "keys") else cached


def install(processor: Any) -> RepeatedClipFeatures | None:
    """Wrap ``processor.feature_extractor`` (idempotent); None when it has none."""
    extractor = getattr(processor, "feature_extractor", None)
    if extractor is None:
        return None
    if isinstance(extractor, RepeatedClipFeatures):
        return extractor
    wrapped = RepeatedClipFeatures(extractor)
    processor.feature_extractor = wrapped
    return wrapped


def uninstall(processor: Any) -> None:
    extractor = getattr(processor, "feature_extractor", None)
    if isinstance(extractor, RepeatedClipFeatures):
        processor.feature_extractor = extractor.extractor

