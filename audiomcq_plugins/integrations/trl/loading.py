"""Loading audio checkpoints and processors for training (model facts: :mod:`.models.facts`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from audiomcq_plugins.models.facts import FULL_OMNI_THINKERS, model_type


def check_trainable(path: str | Path) -> None:
    """Refuse a full Omni checkpoint: its top-level class cannot be trained; its thinker can."""
    kind = model_type(path)
    if kind in FULL_OMNI_THINKERS:
        raise ValueError(
            f"{path} is a full {kind} checkpoint; TRL would load its top-level class, which has no "
            f"forward. Train its thinker ({FULL_OMNI_THINKERS[kind]}): extract it with "
            "`audiomcq train extract-thinker SRC --out OUT` and point `model_name_or_path` at OUT"
        )


def load_processor(path: str | Path, **kwargs: Any) -> Any:
    """The checkpoint's processor (audio-only Omni processor where torchvision is missing)."""
    from audiomcq_plugins.models.processors import load_processor as _load

    return _load(str(path), **kwargs)


def audio_token_id(model: Any, processor: Any = None) -> int | None:
    config = model.config
    for name in ("audio_token_id", "audio_token_index"):
        value = getattr(config, name, None)
        if isinstance(value, int):
            return value
    token = getattr(processor, "audio_token", None)
    if token is not None:
        return processor.tokenizer.convert_tokens_to_ids(token)
    return None


def audio_towers(model: Any) -> list[Any]:
    """The audio encoder modules of ``model`` (named ``audio_tower`` in the Qwen audio models)."""
    return [m for name, m in model.named_modules() if name.split(".")[-1] == "audio_tower"]
