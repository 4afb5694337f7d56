"""Reuse of audio features and encoder output for batches that repeat one clip (silent runs).

In a ``<task>_silent`` run every item carries the same clip (30 s of silence), so extracting
its log-mel features and encoding them for every item is wasted work:

- :class:`RepeatedClipFeatures` wraps a processor's feature extractor and, when every clip of a
  call is one and the same waveform, returns the features computed the first time that call
  was made (same clip, same count, same options);
- :func:`install_encoder` wraps the audio encoder of models that encode each clip on its own
  (:data:`ROW_ENCODERS`): a batch whose feature rows all equal the row it last encoded gets that
  row's output again, expanded to the batch.

Any other call goes straight through.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

from audiomcq_plugins.models.compat import require_tested_transformers

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
    require_tested_transformers("feature cache for repeated clips")
    wrapped = RepeatedClipFeatures(extractor)
    processor.feature_extractor = wrapped
    return wrapped


#: Model classes whose ``audio_tower(input_features, attention_mask=...)`` encodes each batch row
#: independently into ``last_hidden_state[row]`` (Qwen2-Audio always encodes 30 s a clip).
ROW_ENCODERS = ("Qwen2AudioForConditionalGeneration",)


def _repeats(x: Any) -> bool:
    return x is None or bool(x.shape[0] == 1 or x.eq(x[:1]).all())


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return a.shape == b.shape and bool(a.eq(b).all())


def install_encoder(model: Any) -> dict[str, Any] | None:
    """Wrap ``model.audio_tower.forward`` (once) for models in :data:`ROW_ENCODERS`; returns
    the wrapper's state (``hits``, ``misses``), None when the model is not one of them."""
    inner = getattr(model, "model", None)  # transformers 5 keeps the tower on the inner model
    tower = getattr(model, "audio_tower", None) or getattr(inner, "audio_tower", None)
    if tower is None or type(model).__name__ not in ROW_ENCODERS:
        return None
    require_tested_transformers("reuse of repeated rows in the audio encoder")
    if hasattr(tower, "_audiomcq_reuse"):
        return tower._audiomcq_reuse
    original = tower.forward
    state: dict[str, Any] = {"hits": 0, "misses": 0, "row": None}

    def forward(input_features: Any, attention_mask: Any = None, **kwargs: Any) -> Any:
        if kwargs or not (_repeats(input_features) and _repeats(attention_mask)):
            return original(input_features, attention_mask=attention_mask, **kwargs)
        x, mask = input_features[:1], None if attention_mask is None else attention_mask[:1]
        row = state["row"]
        if row is not None and _same(row[0], x) and _same(row[1], mask):
            state["hits"] += 1
        else:
            state["misses"] += 1
            # Encoded as a batch, as without reuse, so the row is bit-identical to then.
            out = original(input_features, attention_mask=attention_mask)
            hidden = out.last_hidden_state[:1].clone()
            row = state["row"] = (
                x.clone(),
                None if mask is None else mask.clone(),
                hidden,
                type(out),
            )
        hidden, kind = row[2], row[3]
        return kind(last_hidden_state=hidden.expand(input_features.shape[0], *hidden.shape[1:]))

    tower.forward = forward
    tower._audiomcq_reuse = state
    return state
