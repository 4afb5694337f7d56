"""Loading transformers audio LMs: device, dtype, the model class for a checkpoint.

The class comes from :mod:`.facts` (``model_type`` -> class; thinkers for Omni checkpoints, the
talker is never loaded), else the first Auto class that accepts the config. torch and
transformers are imported when called.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from audiomcq_plugins.models.facts import AUTO_CLASSES, MODEL_CLASSES, model_type

logger = logging.getLogger(__name__)


def resolve_device(device: str | None) -> str:
    """``auto``/None: CUDA when available, else CPU. A CUDA device on a machine without CUDA
    falls back to the CPU with a warning, as lm-eval's ``hf`` model does (lm-eval's command
    line defaults ``--device`` to ``cuda:0``)."""
    import torch

    if device in (None, "auto"):
        return "cuda" if torch.cuda.is_available() else "cpu"
    if str(device).startswith("cuda") and not torch.cuda.is_available():
        logger.warning("device %s requested but CUDA is not available: running on the CPU", device)
        return "cpu"
    return device


def resolve_dtype(dtype: str | Any, device: str) -> Any:
    import torch

    if not isinstance(dtype, str):
        return dtype
    if dtype == "auto":
        # The checkpoint's dtype on accelerators; float32 on CPU (bf16 matmuls are slow there).
        return torch.float32 if device == "cpu" else "auto"
    return getattr(torch, dtype)


def load_model(
    pretrained: str | Path,
    *,
    dtype: Any = "auto",
    device: str = "auto",
    attn_implementation: str | None = None,
    trust_remote_code: bool = False,
    revision: str | None = None,
    placement: dict[str, Any] | None = None,
) -> Any:
    """Load the generation model for ``pretrained`` (an Omni checkpoint gives its thinker).
    ``placement`` (``device_map``, ``max_memory``, ...) is passed to ``from_pretrained``, which
    then places the model across devices instead of ``device``."""
    import transformers

    device = resolve_device(device)
    kwargs: dict[str, Any] = {"dtype": resolve_dtype(dtype, device), **(placement or {})}
    if attn_implementation:
        kwargs["attn_implementation"] = attn_implementation
    if trust_remote_code:
        kwargs["trust_remote_code"] = True
    if revision:
        kwargs["revision"] = revision
    mtype = model_type(pretrained)
    if mtype is None:
        mtype = transformers.AutoConfig.from_pretrained(
            pretrained, trust_remote_code=trust_remote_code, revision=revision
        ).model_type
    if mtype in MODEL_CLASSES:
        model = getattr(transformers, MODEL_CLASSES[mtype]).from_pretrained(pretrained, **kwargs)
    else:
        model = _from_auto_classes(pretrained, mtype, kwargs)
    return (model if placement else model.to(device)).eval()


def _from_auto_classes(pretrained: str | Path, mtype: str, kwargs: dict[str, Any]) -> Any:
    """The model from the first of :data:`.facts.AUTO_CLASSES` that accepts its config."""
    import transformers

    errors = []
    for name in AUTO_CLASSES:
        try:
            return getattr(transformers, name).from_pretrained(pretrained, **kwargs)
        except ValueError as exc:  # "Unrecognized configuration class ..."
            errors.append(f"{name}: {exc}")
    raise ValueError(
        f"no transformers class loads {pretrained} (model_type {mtype!r}); tried "
        + "; ".join(errors)
    )
