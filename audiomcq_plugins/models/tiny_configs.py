"""Random-weight models of the real architectures at tiny sizes, for :mod:`.tiny`.

Each builder takes the sizes (:data:`~audiomcq_plugins.models.tiny.DEFAULT_SIZES` with
overrides), the trained vocabulary's size and the special tokens' ids, and returns the model
(random weights, the real transformers class) ready to save.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _text_kwargs(sizes: dict[str, int], vocab: int, ids: dict[str, int]) -> dict[str, Any]:
    return {
        "vocab_size": vocab,
        "hidden_size": sizes["hidden_size"],
        "intermediate_size": sizes["intermediate_size"],
        "num_hidden_layers": sizes["num_hidden_layers"],
        "num_attention_heads": sizes["num_attention_heads"],
        "num_key_value_heads": sizes["num_key_value_heads"],
        "max_position_embeddings": 4096,
        "pad_token_id": ids["<|endoftext|>"],
        "eos_token_id": ids["<|im_end|>"],
        "bos_token_id": None,
    }


def _audio_kwargs(sizes: dict[str, int]) -> dict[str, Any]:
    return {
        "num_mel_bins": 128,
        "d_model": sizes["audio_d_model"],
        "encoder_layers": sizes["audio_layers"],
        "encoder_attention_heads": sizes["audio_heads"],
        "encoder_ffn_dim": sizes["audio_ffn_dim"],
    }


def _vision_kwargs(hidden: int) -> dict[str, Any]:
    # The Omni checkpoints carry a vision tower; the smallest one their configs accept.
    return {
        "depth": 1,
        "hidden_size": 32,
        "intermediate_size": 64,
        "num_heads": 2,
        "out_hidden_size": hidden,
    }


def _mrope_section(sizes: dict[str, int]) -> list[int]:
    # Sections of head_dim/2 rotary frequencies for (time, height, width), as in the real ratio.
    half = sizes["hidden_size"] // sizes["num_attention_heads"] // 2
    t = half // 4
    h = (half - t) // 2
    return [t, h, half - t - h]


def qwen2_audio(sizes: dict[str, int], vocab: int, ids: dict[str, int]) -> Any:
    from transformers import (
        Qwen2AudioConfig,
        Qwen2AudioEncoderConfig,
        Qwen2AudioForConditionalGeneration,
        Qwen2Config,
    )

    config = Qwen2AudioConfig(
        audio_config=Qwen2AudioEncoderConfig(**_audio_kwargs(sizes)),
        text_config=Qwen2Config(**_text_kwargs(sizes, vocab, ids), tie_word_embeddings=True),
        audio_token_index=ids["<|AUDIO|>"],
    )
    config.pad_token_id = ids["<|endoftext|>"]
    return Qwen2AudioForConditionalGeneration(config).eval()


def qwen2_5_omni(sizes: dict[str, int], vocab: int, ids: dict[str, int]) -> Any:
    from transformers import Qwen2_5OmniConfig, Qwen2_5OmniForConditionalGeneration

    hidden = sizes["hidden_size"]
    thinker = {
        "text_config": {
            **_text_kwargs(sizes, vocab, ids),
            "rope_parameters": {
                "rope_type": "default",
                "rope_theta": 1000000.0,
                "mrope_section": _mrope_section(sizes),
            },
        },
        "audio_config": {**_audio_kwargs(sizes), "output_dim": hidden, "n_window": 100},
        "vision_config": {**_vision_kwargs(hidden), "fullatt_block_indexes": [0]},
        "audio_token_index": ids["<|AUDIO|>"],
        "image_token_index": ids["<|IMAGE|>"],
        "video_token_index": ids["<|VIDEO|>"],
        "audio_start_token_id": ids["<|audio_bos|>"],
        "audio_end_token_id": ids["<|audio_eos|>"],
        "vision_start_token_id": ids["<|vision_bos|>"],
        "vision_end_token_id": ids["<|vision_eos|>"],
        "user_token_id": ids["<|im_start|>"],
    }
    # The talker is never built (enable_audio_output=False), but its config is validated:
    # keep its token ids inside the tiny vocabulary.
    talker = {
        key: thinker[key]
        for key in (
            "audio_token_index",
            "image_token_index",
            "video_token_index",
            "audio_start_token_id",
            "audio_end_token_id",
            "vision_start_token_id",
            "vision_end_token_id",
        )
    }
    talker.update(
        tts_text_start_token_id=ids["<|vision_pad|>"],
        tts_text_end_token_id=ids["<|vision_pad|>"],
        tts_text_pad_token_id=ids["<|vision_pad|>"],
    )
    config = Qwen2_5OmniConfig(
        thinker_config=thinker, talker_config=talker, enable_audio_output=False
    )
    return Qwen2_5OmniForConditionalGeneration(config).eval()


def qwen3_omni(sizes: dict[str, int], vocab: int, ids: dict[str, int]) -> Any:
    from transformers import Qwen3OmniMoeConfig, Qwen3OmniMoeForConditionalGeneration

    hidden = sizes["hidden_size"]
    thinker = {
        "text_config": {
            **_text_kwargs(sizes, vocab, ids),
            "moe_intermediate_size": sizes["intermediate_size"] // 2,
            "num_experts": 4,
            "num_experts_per_tok": 2,
            "head_dim": hidden // sizes["num_attention_heads"],
            "rope_parameters": {
                "rope_type": "default",
                "rope_theta": 1000000.0,
                "mrope_section": _mrope_section(sizes),
                "mrope_interleaved": True,
            },
        },
        "audio_config": {
            **_audio_kwargs(sizes),
            "output_dim": hidden,
            "downsample_hidden_size": 32,
            "n_window": 50,
            "n_window_infer": 400,
        },
        "vision_config": {**_vision_kwargs(hidden), "deepstack_visual_indexes": [0]},
        "audio_token_id": ids["<|audio_pad|>"],
        "image_token_id": ids["<|image_pad|>"],
        "video_token_id": ids["<|video_pad|>"],
        "audio_start_token_id": ids["<|audio_start|>"],
        "audio_end_token_id": ids["<|audio_end|>"],
        "vision_start_token_id": ids["<|vision_start|>"],
        "vision_end_token_id": ids["<|vision_end|>"],
        "user_token_id": ids["<|im_start|>"],
    }
    config = Qwen3OmniMoeConfig(thinker_config=thinker, enable_audio_output=False)
    return Qwen3OmniMoeForConditionalGeneration(config).eval()


#: arch -> builder (the archs of :data:`~audiomcq_plugins.models.tiny.ARCHS`)
def qwen2_text(sizes: dict[str, int], vocab: int, ids: dict[str, int]) -> Any:
    from transformers import Qwen2Config, Qwen2ForCausalLM

    config = Qwen2Config(**_text_kwargs(sizes, vocab, ids), tie_word_embeddings=True)
    return Qwen2ForCausalLM(config).eval()


BUILDERS: dict[str, Callable[[dict[str, int], int, dict[str, int]], Any]] = {
    "qwen2": qwen2_text,
    "qwen2-audio": qwen2_audio,
    "qwen2.5-omni": qwen2_5_omni,
    "qwen3-omni": qwen3_omni,
}
