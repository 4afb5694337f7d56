"""Facts about audio model architectures: which transformers classes load and process them.

The one home for "config ``model_type`` -> model class" and "processor class -> behaviour"
tables, read by the generation backend (:mod:`.hf`), the processor loader (:mod:`.processors`),
checkpoint tooling (:mod:`.thinker`) and the TRL trainers. Class names are strings, resolved
with ``getattr(transformers, name)`` by the caller: nothing here imports transformers.
"""

from __future__ import annotations

import json
from pathlib import Path

#: Full Omni checkpoints (thinker + talker) -> their thinker class. The full model's top-level
#: class has no ``forward``; text-answer evaluation and training use the thinker.
FULL_OMNI_THINKERS: dict[str, str] = {
    "qwen2_5_omni": "Qwen2_5OmniThinkerForConditionalGeneration",
    "qwen3_omni_moe": "Qwen3OmniMoeThinkerForConditionalGeneration",
}

#: config ``model_type`` -> the transformers class to load (thinkers for Omni checkpoints,
#: whether full or thinker-only).
MODEL_CLASSES: dict[str, str] = {
    "qwen2_audio": "Qwen2AudioForConditionalGeneration",
    **FULL_OMNI_THINKERS,
    **{f"{kind}_thinker": cls for kind, cls in FULL_OMNI_THINKERS.items()},
}

#: Model classes whose audio encoder runs in the batch's encoding step (so it overlaps the
#: model, see :mod:`.encoder_prefetch`) -> how the model calls it.
PREFETCHED_ENCODERS: dict[str, str] = {
    "Qwen2AudioForConditionalGeneration": "audio_tower",
    **dict.fromkeys(FULL_OMNI_THINKERS.values(), "get_audio_features"),
}

#: Model classes whose probes reuse their shared prompt prefix (:mod:`.prefix_reuse`) -> the
#: config attribute naming the audio token. Tested on both (greedy outputs equal running each
#: probe in full); any other class runs every batch in full.
PREFIX_REUSE_CLASSES: dict[str, str] = {
    "Qwen2AudioForConditionalGeneration": "audio_token_index",
    "Qwen2_5OmniThinkerForConditionalGeneration": "audio_token_index",
}

#: Tried in order for any other model type.
AUTO_CLASSES: tuple[str, ...] = (
    "AutoModelForMultimodalLM",
    "AutoModelForImageTextToText",
    "AutoModelForSpeechSeq2Seq",
    "AutoModelForCausalLM",
)

#: Omni processors (by tiny-model arch name and by class name) -> processor class. Their video
#: processor needs torchvision; :func:`.processors.load_processor` builds audio-only ones.
OMNI_PROCESSORS: dict[str, str] = {
    "qwen2.5-omni": "Qwen2_5OmniProcessor",
    "Qwen2_5OmniProcessor": "Qwen2_5OmniProcessor",
    "qwen3-omni": "Qwen3OmniMoeProcessor",
    "Qwen3OmniMoeProcessor": "Qwen3OmniMoeProcessor",
}

#: Processors that pad every clip to the feature extractor's 30 s window although their model
#: reads only the frames under ``feature_attention_mask``. For them the batch is padded to its
#: longest clip plus one STFT window of zeros instead: every frame the model reads is bit-identical
#: (same samples, same zeros after the clip, same per-clip maximum) at a fraction of the work.
#: Not Qwen2-Audio: its encoder requires all 3000 frames.
TRIMMED_AUDIO_PROCESSORS: tuple[str, ...] = ("Qwen2_5OmniProcessor",)


def model_type(path: str | Path) -> str | None:
    """The ``model_type`` in a local checkpoint's config.json (None for Hub ids)."""
    config = Path(path) / "config.json"
    if not config.is_file():
        return None
    return json.loads(config.read_text()).get("model_type")
