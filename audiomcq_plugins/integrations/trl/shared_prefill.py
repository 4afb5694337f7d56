"""One prefill per prompt in GRPO generation.

TRL repeats each prompt ``num_generations`` times in a row and hands ``generate()`` the whole
batch, so every prompt (mostly audio tokens) is prefilled once per generation. While
:func:`one_prefill_per_prompt` is active, the model's ``generate`` prefills each distinct
prompt once (all but its last token, with its audio), copies that key/value cache to the
prompt's rows, and lets ``generate()`` continue from there: the first step then runs only the
last prompt token of each row, sampling as before. Rows keep their left padding, so positions
(and the Omni thinkers' rope deltas, set by the shared prefill for each distinct prompt and
repeated to its rows by the model) are those of the full prefill; completions for a fixed seed
are the same (``tests/test_trl_grpo.py``). A batch whose rows do not come in equal runs of
identical prompts and audio is generated as before.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from audiomcq_plugins.models.prefix_reuse import rope_holder

_TEXT = ("input_ids", "attention_mask")


def for_trainer(trainer: Any, has_audio: bool) -> contextlib.AbstractContextManager[None]:
    """The sharing for one GRPO generation of ``trainer``: on the model TRL generates with,
    for audio prompts when ``shared_prefill`` is on; otherwise nothing."""
    if not (has_audio and trainer._audio_settings.shared_prefill):
        return contextlib.nullcontext()
    model = trainer.accelerator.unwrap_model(trainer.model_wrapped)
    return one_prefill_per_prompt(model, trainer.num_generations)


@contextlib.contextmanager
def one_prefill_per_prompt(model: Any, group: int) -> Iterator[None]:
    """Within the block, ``model.generate`` shares each prompt's prefill across its ``group``
    consecutive rows."""
    original = model.generate
    shadowed = model.__dict__.get("generate")

    def generate(*args: Any, **inputs: Any) -> Any:
        shared = None if args else _shared(model, group, inputs)
        return original(*args, **(shared or inputs))

    model.generate = generate
    try:
        yield
    finally:
        if shadowed is None:
            del model.generate
        else:
            model.generate = shadowed


def _shared(model: Any, group: int, inputs: dict[str, Any]) -> dict[str, Any] | None:
    import torch

    ids, mask = inputs.get("input_ids"), inputs.get("attention_mask")
    if group < 2 or ids is None or mask is None or ids.shape[0] % group or ids.shape[1] < 2:
        return None
    if inputs.get("cache") is not None or inputs.get("past_key_values") is not None:
        return None
    rows = ids.shape[0]
    audio = {k: v for k, v in inputs.items() if k not in _TEXT and isinstance(v, torch.Tensor)}
    for value in (ids, mask, *audio.values()):
        if value.shape[0] != rows or not torch.equal(
            value, value[::group].repeat_interleave(group, 0)
        ):
            return None
    holder = rope_holder(model)
    prompt_mask = mask[::group, :-1]
    extra = {k: v[::group] for k, v in audio.items()}
    if holder is None:  # positions skip the left padding, as generate() numbers them
        extra["position_ids"] = (prompt_mask.long().cumsum(-1) - 1).clamp(min=0)
    with torch.no_grad():  # (Omni thinkers number theirs from the mask themselves)
        out = model(
            input_ids=ids[::group, :-1], attention_mask=prompt_mask, use_cache=True, **extra
        )
    cache = out.past_key_values
    cache.batch_repeat_interleave(group)
    # Omni thinkers: one rope delta per distinct prompt, repeated to its rows as the cache is
    if holder is not None and holder.rope_deltas is not None:
        holder.rope_deltas = holder.rope_deltas.repeat_interleave(group, 0)
    rest = {k: v for k, v in inputs.items() if k not in audio}
    return {**rest, "cache": cache}
