"""Embedders that run a model, registered through ``register_embedders`` (the scorer that
uses them: :mod:`audiomcq_plugins.scoring.embedding`).

- ``nv-embed-v2``: ``nvidia/NV-Embed-v2``, as MMAU-Pro's official closed-form scorer calls it
  (``encode(texts, instruction="", max_length=4096)``), loaded once with
  ``trust_remote_code`` on the first GPU, else the CPU. Its remote code was written for
  transformers 4.42 (the official scorer pins ``transformers==4.42.4``); score in such an
  environment with ``audiomcq score`` if it fails under yours. Untested here: the model
  cannot be downloaded on this project's test machines.

Nothing here imports torch or transformers at import time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from audiomcq_plugins import hookimpl

NV_EMBED_ID = "nvidia/NV-Embed-v2"
#: The Hub revision to load (None: the default branch; the model card has had no new weights
#: since its release).
NV_EMBED_REVISION: str | None = None


@lru_cache(maxsize=1)
def _nv_embed_model() -> Any:
    try:
        import torch
        from transformers import AutoModel
    except ImportError:
        raise ImportError(
            "the nv-embed-v2 embedder needs torch and transformers (and the model's own "
            "einops): pip install 'audiomcq-plugins[hf]' einops"
        ) from None
    model = AutoModel.from_pretrained(
        NV_EMBED_ID, trust_remote_code=True, revision=NV_EMBED_REVISION
    )
    return model.to("cuda" if torch.cuda.is_available() else "cpu").eval()


def nv_embed_v2(texts: Sequence[str]) -> Any:
    """NV-Embed-v2 embeddings of ``texts`` (a float32 array, one row per text)."""
    import torch

    with torch.no_grad():
        vectors = _nv_embed_model().encode(list(texts), instruction="", max_length=4096)
    return vectors.float().cpu().numpy()


@hookimpl
def register_embedders(register: Callable[[str, Any], None]) -> None:
    register("nv-embed-v2", nv_embed_v2)
