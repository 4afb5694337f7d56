"""Shared-prefix reuse: the prompt prefix that every request of a batch shares, run once.

The silent-audio vote asks every item again with the same 30 s of silence, so every probe's
prompt starts with the same system prompt and the same clip's audio tokens (about 750 of
them) and differs only in its question. :class:`PrefixReuse` runs that common prefix once
(batch 1; kept while later batches share it, as all of a vote's do), copies its key/value
cache to the batch, and ``generate()`` then prefills only each probe's own suffix.

Suffixes of different lengths are padded *between* the prefix and the suffix. Positions come
from the attention mask (transformers' ``generate``; the Omni thinker adds the rope deltas of
the prefix's own forward, restored before every batch), so each row sees exactly the
positions, keys and values of its unpadded prompt: greedy outputs equal running each probe in
full (``tests/test_prefix_reuse.py``, both architectures). A batch is run in full when its
rows do not carry the same audio, when a row has audio tokens after the shared part, or when
the shared part is under :data:`MIN_PREFIX` tokens (an evaluation with real clips: only the
system prompt is shared).
"""

from __future__ import annotations

import copy
import hashlib
from typing import Any

#: Shorter shared prefixes are not worth a forward pass of their own.
MIN_PREFIX = 64
#: The inputs a batch's rows must share for their prefix to be shared (the audio); the rows
#: of every other tensor input must be equal too, else the batch runs in full.
_TEXT_INPUTS = ("input_ids", "attention_mask")


def install(model: Any, pad_token_id: int) -> PrefixReuse | None:
    """A :class:`PrefixReuse` for ``model``, or None for classes not in
    :data:`~audiomcq_plugins.models.facts.PREFIX_REUSE_CLASSES`."""
    from audiomcq_plugins.models.compat import require_tested_transformers
    from audiomcq_plugins.models.facts import PREFIX_REUSE_CLASSES

    attribute = PREFIX_REUSE_CLASSES.get(type(model).__name__)
    if attribute is None:
        return None
    require_tested_transformers("shared-prefix reuse (reuse_prefix=True)")
    return PrefixReuse(model, pad_token_id, getattr(model.config, attribute, None))


class PrefixReuse:
    """The shared-prefix cache of one model, with its counters: :attr:`prefill_tokens` (tokens
    the batches prefilled, padding included) and :attr:`full_tokens` (what running every batch
    in full would have prefilled)."""

    def __init__(self, model: Any, pad_token_id: int, audio_token_id: int | None) -> None:
        self.model = model
        self.pad_token_id = int(pad_token_id)
        self.audio_token_id = audio_token_id
        self.entry: tuple[bytes, Any, Any] | None = None  # (key, cache, rope deltas)
        self.prefill_tokens = 0
        self.full_tokens = 0

    def applies(self, batch: Any) -> bool:
        """Whether :meth:`inputs` would reuse a shared prefix for ``batch``."""
        return self._split(batch) is not None

    def inputs(self, batch: Any) -> Any:
        """``generate()`` inputs for ``batch``: the shared prefix from the cache and each row's
        suffix, or the batch itself when it shares no usable prefix."""
        self.full_tokens += batch["input_ids"].numel()
        split = self._split(batch)
        if split is None:
            self.prefill_tokens += batch["input_ids"].numel()
            return batch
        prefix, suffixes, others = split
        cache = self._prefix_cache(prefix, others)
        return self._suffix_inputs(prefix, suffixes, cache)

    def _split(self, batch: Any) -> tuple[Any, list[Any], dict[str, Any]] | None:
        ids, mask = batch["input_ids"], batch["attention_mask"]
        rows = [row[keep.bool()] for row, keep in zip(ids, mask, strict=True)]
        others = {k: v for k, v in batch.items() if k not in _TEXT_INPUTS}
        if not _same_rows(others, len(rows)):
            return None
        shared = _common_prefix(rows)
        if shared < MIN_PREFIX:
            return None
        if self.audio_token_id is not None and any(
            bool((row[shared:] == self.audio_token_id).any()) for row in rows
        ):
            return None
        return (
            rows[0][:shared],
            [row[shared:] for row in rows],
            {k: v[:1] for k, v in others.items()},
        )

    def _prefix_cache(self, prefix: Any, others: dict[str, Any]) -> Any:
        """The prefix's cache (computed once per prefix and audio) and the model's rope deltas
        as its forward left them."""
        key = _key(prefix, others)
        if self.entry is None or self.entry[0] != key:
            import torch

            with torch.inference_mode():
                out = self.model(
                    input_ids=prefix[None],
                    attention_mask=torch.ones_like(prefix)[None],
                    use_cache=True,
                    **others,
                )
            self.entry = (key, out.past_key_values, _rope_deltas(self.model))
            self.prefill_tokens += prefix.numel()
        _, cache, deltas = self.entry
        _set_rope_deltas(self.model, deltas)
        return cache

    def _suffix_inputs(self, prefix: Any, suffixes: list[Any], cache: Any) -> dict[str, Any]:
        import torch

        width = max(len(s) for s in suffixes)
        ids, mask = [], []
        for suffix in suffixes:
            gap = width - len(suffix)
            ids.append(torch.cat([prefix, prefix.new_full((gap,), self.pad_token_id), suffix]))
            mask.append(
                torch.cat(
                    [
                        prefix.new_ones(len(prefix)),
                        prefix.new_zeros(gap),
                        suffix.new_ones(len(suffix)),
                    ]
                )
            )
        batch_cache = copy.deepcopy(cache)
        batch_cache.batch_repeat_interleave(len(suffixes))
        self.prefill_tokens += len(suffixes) * width
        return {
            "input_ids": torch.stack(ids),
            "attention_mask": torch.stack(mask),
            "cache": batch_cache,
        }


def _common_prefix(rows: list[Any]) -> int:
    """Tokens every row starts with, leaving each row at least one token of its own."""
    import torch

    limit = min(len(row) for row in rows) - 1
    if limit <= 0:
        return 0
    first = rows[0][:limit]
    same = torch.ones(limit, dtype=torch.bool, device=first.device)
    for row in rows[1:]:
        same &= row[:limit] == first
    differing = (~same).nonzero()
    return int(differing[0]) if len(differing) else limit


def _same_rows(others: dict[str, Any], n_rows: int) -> bool:
    import torch

    for value in others.values():
        if not isinstance(value, torch.Tensor) or value.shape[0] != n_rows:
            return False
        if any(not torch.equal(value[i], value[0]) for i in range(1, n_rows)):
            return False
    return True


def _key(prefix: Any, others: dict[str, Any]) -> bytes:
    digest = hashlib.sha1(prefix.cpu().numpy().tobytes())
    for name in sorted(others):
        digest.update(name.encode())
        digest.update(others[name].detach().float().cpu().numpy().tobytes())
    return digest.digest()


def rope_holder(model: Any) -> Any:
    """The module that keeps multimodal rope deltas between forward calls (Omni thinkers)."""
    for module in (model, getattr(model, "model", None)):
        if module is not None and hasattr(module, "rope_deltas"):
            return module
    return None


def _rope_deltas(model: Any) -> Any:
    holder = rope_holder(model)
    deltas = None if holder is None else holder.rope_deltas
    return None if deltas is None else deltas.clone()


def _set_rope_deltas(model: Any, deltas: Any) -> None:
    holder = rope_holder(model)
    if holder is not None:
        holder.rope_deltas = deltas
