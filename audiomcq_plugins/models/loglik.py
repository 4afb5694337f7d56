"""Log-likelihood of continuations, as lm-eval computes it: the continuation is tokenized on its
own, appended to the (left-padded) context, and scored in one forward pass.

Used by :meth:`~audiomcq_plugins.models.hf.HFAudioLM.loglikelihood`; torch is imported when
called.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def continuation_ids(tokenizer: Any, continuations: Sequence[str], idx: Sequence[int]) -> list:
    """Token ids of ``continuations[i]`` for each ``i`` in ``idx``; none may be empty."""
    conts = [tokenizer(continuations[i], add_special_tokens=False)["input_ids"] for i in idx]
    for i, ids in zip(idx, conts, strict=True):
        if not ids:
            raise ValueError(
                f"continuation {continuations[i]!r} of request {i} tokenizes to nothing"
            )
    return conts


def append_continuations(batch: Any, conts: list[list[int]], pad: int, device: str) -> int:
    """Append right-padded ``conts`` to the encoded ``batch`` in place; returns the context
    length (where the continuations start)."""
    import torch

    width = max(len(c) for c in conts)
    cont_ids = torch.full((len(conts), width), pad, dtype=batch["input_ids"].dtype)
    cont_mask = torch.zeros((len(conts), width), dtype=batch["attention_mask"].dtype)
    for row, ids in enumerate(conts):
        cont_ids[row, : len(ids)] = torch.tensor(ids)
        cont_mask[row, : len(ids)] = 1
    ctx_len = batch["input_ids"].shape[1]
    batch["input_ids"] = torch.cat([batch["input_ids"], cont_ids.to(device)], dim=1)
    batch["attention_mask"] = torch.cat([batch["attention_mask"], cont_mask.to(device)], dim=1)
    return ctx_len


def score_continuations(
    model: Any, batch: Any, conts: list[list[int]], ctx_len: int
) -> list[tuple[float, bool]]:
    """``(log P(continuation | context), whether it is the greedy continuation)`` per row."""
    import torch

    width = max(len(c) for c in conts)
    with torch.inference_mode():
        logits = model(**batch).logits.float()
    logprobs = torch.log_softmax(logits[:, ctx_len - 1 : ctx_len - 1 + width], dim=-1)
    scores = []
    for row, ids in enumerate(conts):
        target = torch.tensor(ids, device=logprobs.device)
        lp = logprobs[row, : len(ids)]
        total = lp.gather(-1, target[:, None]).sum().item()
        scores.append((total, bool((lp.argmax(-1) == target).all().item())))
    return scores
