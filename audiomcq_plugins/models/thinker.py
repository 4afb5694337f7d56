"""Extract the thinker (audio encoder + language model) from a full Omni checkpoint.

The released Qwen2.5-Omni (and Qwen3-Omni) repositories hold the whole speech-in/speech-out model;
text-answer training and evaluation use only its thinker. ``extract_thinker(SRC, OUT)`` loads
``Qwen2_5OmniThinkerForConditionalGeneration`` from the full checkpoint (no missing keys: the
class maps the ``thinker.`` weights itself; talker and token2wav weights are left behind), saves
it as a thinker-only checkpoint and copies the processor files (tokenizer, feature extractor,
chat template, processor config), so ``OUT`` loads with the thinker class and
:func:`audiomcq_plugins.models.processors.load_processor` and is about a quarter smaller on disk.
The CLI is ``audiomcq train extract-thinker SRC --out OUT`` (:mod:`audiomcq_plugins.cli.train`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from audiomcq_plugins.models.facts import FULL_OMNI_THINKERS, model_type

#: Files the model's own ``save_pretrained`` writes (never copied from the source).
_MODEL_FILES = ("config.json", "generation_config.json")
_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".ckpt", ".index.json")


class ThinkerExtractionError(ValueError):
    """The source is not a full Omni checkpoint, or the output cannot be written."""


def thinker_class(src: str | os.PathLike) -> type:
    """The thinker class for the full checkpoint at ``src`` (read from its ``config.json``)."""
    import transformers

    if not (Path(src) / "config.json").is_file():
        raise ThinkerExtractionError(
            f"{src}: no config.json; pass the directory of a full Qwen2.5-Omni or Qwen3-Omni "
            "checkpoint (downloaded beforehand, e.g. Qwen/Qwen2.5-Omni-7B)"
        )
    kind = model_type(src)
    if kind not in FULL_OMNI_THINKERS:
        hint = (
            " it is already a thinker-only checkpoint; use it as is"
            if str(kind).endswith("_thinker")
            else f" expected one of {', '.join(FULL_OMNI_THINKERS)}"
        )
        raise ThinkerExtractionError(f"{src}: model_type {kind!r} is not a full Omni model;{hint}")
    return getattr(transformers, FULL_OMNI_THINKERS[kind])


def _is_processor_file(path: Path) -> bool:
    return (
        path.is_file()
        and path.name not in _MODEL_FILES
        and not path.name.endswith(_WEIGHT_SUFFIXES)
    )


def extract_thinker(
    src: str | os.PathLike,
    out: str | os.PathLike,
    *,
    dtype: str = "auto",
    max_shard_size: str = "5GB",
    overwrite: bool = False,
) -> Path:
    """Write the thinker of the full Omni checkpoint ``src`` to ``out``; returns ``out``.

    ``dtype="auto"`` keeps the checkpoint's precision (bf16 for the released models). The
    result is written to a temporary directory beside ``out`` and moved into place at the end,
    so an interrupted run leaves no half-written checkpoint.
    """
    src, out = Path(src), Path(out)
    cls = thinker_class(src)
    if out.exists() and any(out.iterdir()):
        if not overwrite:
            raise ThinkerExtractionError(f"{out} exists and is not empty; pass overwrite=True")
    model, info = cls.from_pretrained(src, dtype=dtype, output_loading_info=True)
    missing = sorted(info.get("missing_keys") or [])
    if missing:
        raise ThinkerExtractionError(
            f"{src}: the thinker is missing {len(missing)} weight(s) "
            f"({', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}); is it a complete "
            "checkpoint?"
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        model.save_pretrained(tmp, max_shard_size=max_shard_size)
        for path in sorted(src.iterdir()):
            if _is_processor_file(path):
                shutil.copy2(path, tmp / path.name)
        if out.exists():
            shutil.rmtree(out)
        os.replace(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out
