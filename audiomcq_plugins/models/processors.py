"""Loading processors of audio LMs, including Omni processors on machines without torchvision.

``Qwen2_5OmniProcessor`` and ``Qwen3OmniMoeProcessor`` take an image and a video processor; the
video processor needs torchvision, so ``AutoProcessor.from_pretrained`` fails where torchvision is
missing (as on CPU-only machines with a CPU torch build). :func:`load_processor` then builds an
audio-only subclass of the same processor from the checkpoint's tokenizer, feature extractor and
chat template: text and audio are processed exactly as by the full processor; images and videos
are refused.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from audiomcq_plugins.models.facts import OMNI_PROCESSORS


@cache
def _audio_only_class(name: str) -> type:
    """An audio-only subclass of the Omni processor ``name`` (no image/video processors)."""
    import transformers
    from transformers.processing_utils import ProcessorMixin

    cls_name = OMNI_PROCESSORS[name]
    base = getattr(transformers, cls_name)

    def __init__(self, feature_extractor=None, tokenizer=None, chat_template=None):  # noqa: N807
        ProcessorMixin.__init__(self, feature_extractor, tokenizer, chat_template=chat_template)
        tok = self.tokenizer
        for attr in ("image_token", "audio_token", "video_token"):
            setattr(self, attr, getattr(tok, attr))
            setattr(self, f"{attr}_id", tok.convert_tokens_to_ids(getattr(tok, attr)))
        for attr in ("vision_bos_token", "vision_eos_token", "audio_bos_token", "audio_eos_token"):
            setattr(self, attr, getattr(tok, attr))

    def to_dict(self) -> dict[str, Any]:
        # Saved under the real class name so that machines with torchvision load the real one.
        data = base.to_dict(self)
        data["processor_class"] = cls_name
        return data

    return type(
        f"{cls_name}AudioOnly",
        (base,),
        {"__init__": __init__, "to_dict": to_dict, "__module__": __name__},
    )


def audio_only_processor(arch: str, feature_extractor: Any, tokenizer: Any, template: str) -> Any:
    """The audio-only Omni processor for ``arch`` built from its parts."""
    return _audio_only_class(arch)(feature_extractor, tokenizer, chat_template=template)


def load_processor(path: str | Path, **kwargs: Any) -> Any:
    """``AutoProcessor.from_pretrained(path)``, falling back to the audio-only Omni processor
    when the checkpoint's processor needs torchvision and it is not installed, or when the
    checkpoint was saved without image/video processor configs (as the tiny models are)."""
    from transformers import AutoProcessor
    from transformers.utils import is_torchvision_available

    name = _processor_class_name(Path(path))
    if name not in OMNI_PROCESSORS:
        return AutoProcessor.from_pretrained(path, **kwargs)
    if is_torchvision_available():
        try:
            return AutoProcessor.from_pretrained(path, **kwargs)
        except (OSError, ValueError, TypeError, KeyError, ImportError):
            pass  # audio-only checkpoint: no image/video processor to load
    from transformers import AutoTokenizer, WhisperFeatureExtractor

    tokenizer = AutoTokenizer.from_pretrained(path, **kwargs)
    extractor = WhisperFeatureExtractor.from_pretrained(path, **kwargs)
    return _audio_only_class(name)(extractor, tokenizer, chat_template=tokenizer.chat_template)


def _processor_class_name(path: Path) -> str | None:
    for name in ("processor_config.json", "preprocessor_config.json", "tokenizer_config.json"):
        file = path / name
        if file.is_file():
            cls = json.loads(file.read_text()).get("processor_class")
            if cls:
                return cls
    return None


def __getattr__(name: str) -> type:
    """``Qwen2_5OmniProcessorAudioOnly`` and ``Qwen3OmniMoeProcessorAudioOnly`` as module
    attributes. A trainer that saves a checkpoint whose processor is one of these classes
    (loaded as remote code) writes a copy of this module as ``processors.py`` with an
    ``auto_map`` naming the class in it, so the copy must serve the class by name for the next
    stage (e.g. ``trl sft`` from a ``trl sft`` output) to load it."""
    base = name.removesuffix("AudioOnly")
    if name != base and base in OMNI_PROCESSORS:
        return _audio_only_class(base)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def trims_audio(processor: Any) -> bool:
    """Whether ``processor`` is (a subclass of) one of
    :data:`~audiomcq_plugins.models.facts.TRIMMED_AUDIO_PROCESSORS`."""
    from audiomcq_plugins.models.facts import TRIMMED_AUDIO_PROCESSORS

    return any(cls.__name__ in TRIMMED_AUDIO_PROCESSORS for cls in type(processor).__mro__)


def trimmed_audio_kwargs(processor: Any, clips: list[Any]) -> dict[str, Any]:
    """The processor keyword that pads a batch's features to its longest clip plus one STFT
    window of zeros (whole hops; at most the extractor's own 30 s) instead of 30 s, for the
    processors of :data:`~audiomcq_plugins.models.facts.TRIMMED_AUDIO_PROCESSORS`: every frame
    the model reads is bit-identical, at a fraction of the work. ``{}`` for other processors
    (Qwen2-Audio's encoder requires all 3000 frames) and for a batch without clips."""
    if not clips or not trims_audio(processor):
        return {}
    fe = processor.feature_extractor
    hop = fe.hop_length
    longest = max(len(c) for c in clips)
    return {
        "audio_kwargs": {"max_length": min(fe.n_samples, -(-(longest + fe.n_fft) // hop) * hop)}
    }


def save_full_omni_processor(checkpoint: str | Path, out: str | Path | None = None) -> None:
    """Save the full ``Qwen2_5OmniProcessor`` (default image and video processors, the
    checkpoint's feature extractor, tokenizer and chat template) into ``out`` (default: the
    checkpoint itself), for tools that load the full processor whatever the checkpoint ships
    (lmms-eval's ``qwen2_5_omni``, ms-swift). Needs torchvision (the video processor)."""
    from transformers import (
        AutoTokenizer,
        Qwen2_5OmniProcessor,
        Qwen2VLImageProcessor,
        WhisperFeatureExtractor,
    )
    from transformers.models.qwen2_vl.video_processing_qwen2_vl import Qwen2VLVideoProcessor

    tokenizer = AutoTokenizer.from_pretrained(checkpoint)
    Qwen2_5OmniProcessor(
        image_processor=Qwen2VLImageProcessor(),
        video_processor=Qwen2VLVideoProcessor(),
        feature_extractor=WhisperFeatureExtractor.from_pretrained(checkpoint),
        tokenizer=tokenizer,
        chat_template=tokenizer.chat_template,
    ).save_pretrained(out if out is not None else checkpoint)
