"""Run a model's audio encoder once per distinct clip of a batch.

GRPO repeats each prompt ``num_generations`` times, so generation and every log-prob forward
would encode the same clip that many times. :class:`EncoderReuse` wraps the forward of each
``audio_tower`` module: inside :meth:`EncoderReuse.clips` (given one clip id per batch row) it
encodes only the first row of every clip and copies the result to the others. Indexing keeps the
graph intact, so gradients from every copy add up on the single encoding: the same gradient as
encoding each copy separately (dropout aside). Outside the context, or when the call does not
match the clip ids (e.g. a decoding step), the encoder runs unchanged.

Two encoder layouts are handled: batched features ``(rows, mels, frames)`` (Qwen2-Audio) and
flattened features ``(mels, total_frames)`` with ``feature_lens`` (Qwen2.5-Omni, Qwen3-Omni).
"""

from __future__ import annotations

import types
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class EncoderReuse:
    def __init__(self) -> None:
        self._clip_ids: Any = None
        self.encoded_clips = 0  # clips actually encoded (for tests and benchmarks)

    @contextmanager
    def clips(self, clip_ids: Any) -> Iterator[None]:
        previous, self._clip_ids = self._clip_ids, clip_ids
        try:
            yield
        finally:
            self._clip_ids = previous

    def install(self, model: Any) -> int:
        """Wrap every ``audio_tower`` of ``model``; returns how many were wrapped."""
        from audiomcq_plugins.models.compat import require_tested_transformers

        require_tested_transformers("audio encoder reuse in training")
        n = 0
        for name, module in model.named_modules():
            if name.split(".")[-1] == "audio_tower" and not getattr(
                module, "_audiomcq_reuse", None
            ):
                module._audiomcq_reuse = self
                module.forward = types.MethodType(_make_forward(module.forward, self), module)
                n += 1
        return n


def _make_forward(original: Any, reuse: EncoderReuse) -> Any:
    def forward(module: Any, *args: Any, **kwargs: Any) -> Any:
        import torch

        ids = reuse._clip_ids
        features = kwargs.get("input_features", args[0] if args else None)
        if ids is None or features is None:
            reuse.encoded_clips += _count(features, kwargs)
            return original(*args, **kwargs)
        ids = ids.to(features.device)
        unique, inverse = torch.unique(ids, return_inverse=True)
        n = ids.shape[0]
        first = torch.full((unique.shape[0],), n, dtype=torch.long, device=ids.device)
        first = first.scatter_reduce(0, inverse, torch.arange(n, device=ids.device), "amin")
        rest = dict(kwargs)
        rest.pop("input_features", None)
        rest_args = args[1:]
        if features.dim() == 3 and features.shape[0] == n:
            if unique.shape[0] == n:
                reuse.encoded_clips += n
                return original(*args, **kwargs)
            sub = {k: _take_rows(v, first, n) for k, v in rest.items()}
            out = original(features[first], *[_take_rows(a, first, n) for a in rest_args], **sub)
            reuse.encoded_clips += int(first.shape[0])
            return _expand(out, lambda h: h[inverse])
        lens = kwargs.get("feature_lens")
        if features.dim() == 2 and lens is not None and lens.shape[0] == n and not rest_args:
            if unique.shape[0] == n:
                reuse.encoded_clips += n
                return original(*args, **kwargs)
            chunks = features.split(lens.tolist(), dim=1)
            sub = {k: _take_rows(v, first, n) for k, v in rest.items()}
            picked = torch.cat([chunks[i] for i in first.tolist()], dim=1)
            out = original(picked, **sub)
            reuse.encoded_clips += int(first.shape[0])
            hidden = out[0] if isinstance(out, tuple) else out.last_hidden_state
            out_lens = _output_lengths(module, lens[first], hidden.shape[0])
            if out_lens is None:  # unknown length formula: encode each distinct clip alone
                pieces = [
                    _hidden(
                        original(
                            chunks[i],
                            **{k: _take_rows(v, first[j : j + 1], n) for k, v in rest.items()},
                        )
                    )
                    for j, i in enumerate(first.tolist())
                ]
            else:
                pieces = list(hidden.split(out_lens))
            return _expand(out, lambda h: torch.cat([pieces[j] for j in inverse.tolist()], dim=0))
        reuse.encoded_clips += _count(features, kwargs)
        return original(*args, **kwargs)

    return forward


def _count(features: Any, kwargs: dict) -> int:
    if features is None:
        return 0
    if features.dim() == 3:
        return int(features.shape[0])
    lens = kwargs.get("feature_lens")
    return int(lens.shape[0]) if lens is not None else 1


def _take_rows(value: Any, rows: Any, n: int) -> Any:
    import torch

    if isinstance(value, torch.Tensor) and value.dim() > 0 and value.shape[0] == n:
        return value[rows.to(value.device)]
    return value


def _hidden(out: Any) -> Any:
    return out[0] if isinstance(out, tuple) else out.last_hidden_state


def _output_lengths(module: Any, lens: Any, total: int) -> list[int] | None:
    fn = getattr(module, "_get_feat_extract_output_lengths", None)
    if fn is None:
        return None
    result = fn(lens)
    result = result[-1] if isinstance(result, tuple) else result
    out = [int(x) for x in result.tolist()]
    return out if sum(out) == total else None


def _expand(out: Any, take: Any) -> Any:
    """``out`` with its last hidden state (and a pooled output of the same shape) expanded."""
    if isinstance(out, tuple):
        return (take(out[0]),)
    hidden = out.last_hidden_state
    expanded = take(hidden)
    kwargs = {"last_hidden_state": expanded}
    pooled = getattr(out, "pooler_output", None)
    if pooled is not None and pooled.shape == hidden.shape:
        kwargs["pooler_output"] = expanded if pooled is hidden else take(pooled)
    return type(out)(**kwargs)
