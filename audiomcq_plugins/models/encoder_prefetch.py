"""The audio encoder run in a batch's encoding step, so that it overlaps the model too.

With prefetch (:mod:`.batching`) the next batch is encoded in a background thread while the
model generates the current one. For the architectures in
:data:`~audiomcq_plugins.models.facts.PREFETCHED_ENCODERS` that step also runs the model's own
audio encoder on the batch's features (:meth:`EncoderPrefetch.run`); when ``generate()``'s
first forward pass then calls the encoder with those very inputs (the same feature tensor, an
equal mask), it gets the stored output instead of computing it again. Any other call computes
as before. The encoder runs the same operations on the same inputs either way, so outputs are
identical: only the thread and the time change.

- ``audio_tower`` (Qwen2-Audio): the model builds the encoder's attention mask inside
  ``forward``; :func:`_qwen2_audio_mask` builds it the same way, and a stored output is only
  used when the mask the model passes equals it.
- ``get_audio_features`` (Qwen2.5-Omni / Qwen3-Omni thinkers): the model's own method, called
  with the batch's features and mask, as ``forward`` calls it.
"""

from __future__ import annotations

import threading
from typing import Any

from audiomcq_plugins.models.compat import require_tested_transformers
from audiomcq_plugins.models.facts import PREFETCHED_ENCODERS

#: Batches whose encoder output may wait at once (the running one and the next).
MAX_PENDING = 2


def _equal(a: Any, b: Any) -> bool:
    import torch

    if a is None or b is None:
        return a is None and b is None
    return a is b or (a.shape == b.shape and a.dtype == b.dtype and bool(torch.equal(a, b)))


class EncoderPrefetch:
    """Stored encoder outputs of prepared batches, served to the model's forward."""

    def __init__(self, model: Any, kind: str) -> None:
        self.model = model
        self.kind = kind
        self.inner = getattr(model, "model", model)  # transformers 5: the tower is inside
        self.pending: list[tuple[Any, Any, Any]] = []  # (features, mask, output)
        self.lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        if kind == "audio_tower":
            self.target = self.inner.audio_tower
            self.original = self.target.forward
            self.target.forward = self._tower_forward
        else:  # the inner model's forward calls its own method
            self.target = self.inner
            self.original = self.inner.get_audio_features
            self.inner.get_audio_features = self._features_call

    # -- in the encoding step ------------------------------------------------------------------

    def run(self, batch: Any) -> None:
        """Encode the audio of one processor output (no-op without audio features)."""
        import torch

        features = batch.get("input_features") if hasattr(batch, "get") else None
        mask = batch.get("feature_attention_mask") if features is not None else None
        if features is None or mask is None:
            return
        with torch.inference_mode():
            if self.kind == "audio_tower":
                key = _qwen2_audio_mask(self.inner, features, mask)
                out = self.original(features, attention_mask=key)
            else:
                key = mask
                out = self.original(features, mask, None, return_dict=True)
        with self.lock:
            self.pending = [*self.pending[-(MAX_PENDING - 1) :], (features, key, out)]

    # -- in the model's forward ----------------------------------------------------------------

    def _take(self, features: Any, mask: Any) -> Any:
        with self.lock:
            for i, (f, m, out) in enumerate(self.pending):
                if f is features and _equal(m, mask):
                    del self.pending[i]
                    self.hits += 1
                    return out
        self.misses += 1
        return None

    def _tower_forward(self, input_features: Any, attention_mask: Any = None, **kwargs: Any):
        out = None if kwargs else self._take(input_features, attention_mask)
        if out is None:
            return self.original(input_features, attention_mask=attention_mask, **kwargs)
        return out

    def _features_call(
        self,
        input_features: Any,
        feature_attention_mask: Any = None,
        audio_feature_lengths: Any = None,
        **kwargs: Any,
    ) -> Any:
        plain = audio_feature_lengths is None and kwargs in ({}, {"return_dict": True})
        out = self._take(input_features, feature_attention_mask) if plain else None
        if out is None:
            return self.original(
                input_features, feature_attention_mask, audio_feature_lengths, **kwargs
            )
        return out


def _qwen2_audio_mask(inner: Any, features: Any, mask: Any) -> Any:
    """The encoder attention mask Qwen2-Audio's ``forward`` builds for these features (same
    steps, same transformers helper)."""
    import torch
    from transformers.masking_utils import create_bidirectional_mask

    tower = inner.audio_tower
    lengths, _ = tower._get_feat_extract_output_lengths(mask.sum(-1))
    batch_size, _, max_mel = features.shape
    max_len = (max_mel - 2) // 2 + 1
    positions = torch.arange(0, max_len, dtype=lengths.dtype, device=lengths.device)
    valid = positions.unsqueeze(0).expand(batch_size, max_len) < lengths.unsqueeze(1)
    dtype = inner.get_input_embeddings().weight.dtype
    dummy = torch.zeros((batch_size, max_len, 1), dtype=dtype, device=lengths.device)
    return create_bidirectional_mask(
        config=tower.config, inputs_embeds=dummy, attention_mask=valid.to(torch.long)
    )


def install(model: Any) -> EncoderPrefetch | None:
    """Prefetch the audio encoder of ``model`` when its class is in
    :data:`~audiomcq_plugins.models.facts.PREFETCHED_ENCODERS` (idempotent); else None."""
    kind = PREFETCHED_ENCODERS.get(type(model).__name__)
    if kind is None:
        return None
    existing = getattr(model, "_audiomcq_encoder_prefetch", None)
    if existing is None:
        require_tested_transformers("audio encoder prefetch")
        existing = EncoderPrefetch(model, kind)
        model._audiomcq_encoder_prefetch = existing
    return existing
