"""Audio model inputs for TRL trainers: conversations with audio blocks → token ids + features.

:func:`encode_prompts` renders each prompt with the processor's chat template, decodes its clip
(16 kHz mono, through :mod:`audiomcq_plugins.audio`) and runs the processor once over the
distinct prompts of a batch, so a prompt repeated ``num_generations`` times is decoded and
featurised once. The result is an :class:`AudioBatch`: per-row audio tensors (whatever the
processor returns besides ``input_ids``/``attention_mask``: ``input_features`` and
``feature_attention_mask`` for the Qwen audio models) and a per-row ``clip_ids`` tensor (rows with
equal ids carry the same clip), which :mod:`~audiomcq_plugins.integrations.trl.reuse` uses to run
the audio encoder once per clip.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from audiomcq_plugins.audio import SAMPLE_RATE
from audiomcq_plugins.benchmarks.spec import ENV_VAR
from audiomcq_plugins.models.processors import trimmed_audio_kwargs

#: Key under which the per-row clip ids travel in TRL's batch dicts.
CLIP_IDS_KEY = "audio_clip_ids"
#: Processor outputs that are not audio inputs.
TEXT_KEYS = ("input_ids", "attention_mask", "token_type_ids", "mm_token_type_ids")


def clean_blocks(messages: list[dict]) -> list[dict]:
    """A copy of ``messages`` with None-valued keys dropped from content blocks (Arrow fills
    missing keys with None; some chat templates then miscount audio blocks)."""
    out = []
    for message in messages:
        content = message.get("content")
        if isinstance(content, list):
            content = [
                {k: v for k, v in block.items() if v is not None}
                if isinstance(block, dict)
                else block
                for block in content
            ]
        out.append({**message, "content": content})
    return out


def audio_sources(messages: list[dict]) -> list[Any]:
    """The clip references of a conversation's audio blocks, in order."""
    sources = []
    for message in messages:
        content = message.get("content")
        if not isinstance(content, list):
            continue
        for block in content:
            if isinstance(block, dict) and block.get("type") == "audio":
                for key in ("audio", "path", "url"):
                    if block.get(key) is not None:
                        sources.append(block[key])
                        break
                else:
                    raise ValueError(
                        f"audio block {block!r} has no 'audio' (path or array); "
                        "prepare the data with `audiomcq train prepare-data`"
                    )
    return sources


def has_audio(prompts: list[Any]) -> bool:
    return bool(prompts) and isinstance(prompts[0], list) and bool(audio_sources(prompts[0]))


def load_clip(source: Any, item: str | None = None) -> Any:
    """A mono float32 16 kHz array for one clip reference (absolute path, path under
    ``AUDIOMCQ_DATA_DIR``, bytes, dict or array)."""
    import numpy as np

    from audiomcq_plugins.audio import decode, load_audio

    if isinstance(source, np.ndarray):
        return source.astype(np.float32, copy=False)
    if isinstance(source, list):  # an array that went through JSON
        return np.asarray(source, dtype=np.float32)
    if isinstance(source, (str, os.PathLike)) and os.path.isabs(source):
        return decode(source, item_id=item).array
    return load_audio(source, data_root=os.environ.get(ENV_VAR), item_id=item).array


@dataclass
class AudioBatch:
    """Per-row audio inputs of a batch (one clip per row) and the rows' clip ids."""

    fields: dict[str, Any]
    clip_ids: Any  # LongTensor (rows,)

    def __len__(self) -> int:
        return int(self.clip_ids.shape[0])

    def rows(self, start: int, end: int) -> AudioBatch:
        return AudioBatch(
            {k: v[start:end] for k, v in self.fields.items()}, self.clip_ids[start:end]
        )

    def to(self, device: Any) -> AudioBatch:
        return AudioBatch(
            {k: v.to(device) for k, v in self.fields.items()}, self.clip_ids.to(device)
        )

    def as_inputs(self) -> dict[str, Any]:
        """The entries added to TRL's batch dict (row-aligned: they survive its shuffle/split)."""
        return {**self.fields, CLIP_IDS_KEY: self.clip_ids}

    @classmethod
    def from_inputs(cls, inputs: dict[str, Any], keys: tuple[str, ...]) -> AudioBatch | None:
        if CLIP_IDS_KEY not in inputs:
            return None
        return cls({k: inputs[k] for k in keys if k in inputs}, inputs[CLIP_IDS_KEY])


def encode_prompts(
    processor: Any,
    prompts: list[list[dict]],
    *,
    chat_template: str | None = None,
    template_kwargs: dict | None = None,
    dedupe: bool = True,
    trim: bool = True,
) -> tuple[list[list[int]], AudioBatch]:
    """Token ids (unpadded, with the generation prompt) and audio inputs for chat prompts.

    Every prompt must hold exactly one audio block. With ``dedupe`` the processor sees each
    distinct prompt once and rows are expanded afterwards; without it every row is processed.
    With ``trim``, features are padded to the longest clip, not 30 s, where the model reads
    the same frames either way (:func:`~audiomcq_plugins.models.processors.trimmed_audio_kwargs`).
    """
    import torch

    cleaned = [clean_blocks(p) for p in prompts]
    keys = [json.dumps(p, sort_keys=True, default=str) for p in cleaned] if dedupe else None
    first_row: dict[str, int] = {}
    row_to_unique: list[int] = []
    unique: list[list[dict]] = []
    for i, prompt in enumerate(cleaned):
        key = keys[i] if keys is not None else str(i)
        if key not in first_row:
            first_row[key] = len(unique)
            unique.append(prompt)
        row_to_unique.append(first_row[key])

    texts, clips = [], []
    for prompt in unique:
        sources = audio_sources(prompt)
        if len(sources) != 1:
            raise ValueError(
                f"each prompt must hold exactly one audio block, found {len(sources)} in "
                f"{json.dumps(prompt, default=str)[:300]}"
            )
        clips.append(load_clip(sources[0]))
        texts.append(
            processor.apply_chat_template(
                prompt,
                chat_template=chat_template,
                add_generation_prompt=True,
                tokenize=False,
                **(template_kwargs or {}),
            )
        )
    # Clips are decoded at SAMPLE_RATE; the processor refuses a rate its extractor does not use.
    trimmed = trimmed_audio_kwargs(processor, clips) if trim else {}
    encoded = processor(
        text=texts,
        audio=clips,
        sampling_rate=SAMPLE_RATE,
        padding=True,
        return_tensors="pt",
        **trimmed,
    )
    ids, mask = encoded["input_ids"], encoded["attention_mask"].bool()
    unique_ids = [ids[i][mask[i]].tolist() for i in range(len(unique))]
    index = torch.tensor(row_to_unique, dtype=torch.long)
    fields = {
        k: v[index]
        for k, v in encoded.items()
        if k not in TEXT_KEYS and isinstance(v, torch.Tensor) and v.shape[:1] == (len(unique),)
    }
    return [unique_ids[u] for u in row_to_unique], AudioBatch(fields, index.clone())
