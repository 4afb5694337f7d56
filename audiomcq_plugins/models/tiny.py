"""Tiny random audio language models of the real transformers architectures, built offline.

``build_tiny_model("qwen2-audio", out_dir)`` writes a directory that loads like a Hub checkpoint:
random weights of the real model class at a few hundred thousand parameters, a byte-level BPE
tokenizer trained here on a built-in corpus (prompt templates, letters, digits, answer tags), the
model's special tokens, a chat template that takes audio content blocks and marks the assistant
turn with ``{% generation %}`` (TRL's ``assistant_only_loss`` needs it), a 128-bin
``WhisperFeatureExtractor`` and the architecture's processor. Tests, the demo and the benchmark
scripts use these; nothing touches the network.

Architectures:

- ``qwen2-audio``: ``Qwen2AudioForConditionalGeneration`` with ``Qwen2AudioProcessor``.
  ``AutoModelForImageTextToText``/``AutoProcessor`` load it.
- ``qwen2.5-omni``: a *full* ``Qwen2_5OmniForConditionalGeneration`` checkpoint saved with
  ``enable_audio_output=False`` (thinker only, no talker/token2wav weights), exactly the layout of
  the real Qwen2.5-Omni repositories minus the speech output (``spk_dict.pt`` included, so the
  full class's ``from_pretrained`` loads it too, as lmms-eval's ``qwen2_5_omni`` does). Load it
  for training and evaluation with
  ``Qwen2_5OmniThinkerForConditionalGeneration.from_pretrained(dir)`` (no missing keys).
  Its processor, ``Qwen2_5OmniProcessor``, insists on a video processor, which needs torchvision;
  without torchvision ``AutoProcessor.from_pretrained`` fails, so load it with
  :func:`audiomcq_plugins.models.processors.load_processor`, which falls back to an audio-only
  subclass of the real processor (same tokenization, same chat template, no video).
- ``qwen2`` (text only): ``Qwen2ForCausalLM`` and its tokenizer, no processor; the text voter of
  the silent-audio vote.
- ``qwen3-omni``: a full ``Qwen3OmniMoeForConditionalGeneration`` checkpoint (thinker only), same
  loading rules as Qwen2.5-Omni with ``Qwen3OmniMoeThinkerForConditionalGeneration``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from audiomcq_plugins.audio import SAMPLE_RATE
from audiomcq_plugins.models import tiny_configs

ARCHS: tuple[str, ...] = ("qwen2-audio", "qwen2.5-omni", "qwen3-omni")
#: Text-only LMs (``Qwen2ForCausalLM``): the text voters of the silent-audio vote.
TEXT_ARCHS: tuple[str, ...] = ("qwen2",)

#: Default sizes: hidden 128, 2 LM layers, audio encoder width 64 with 2 layers.
DEFAULT_SIZES: dict[str, int] = {
    "hidden_size": 128,
    "intermediate_size": 256,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "audio_d_model": 64,
    "audio_layers": 2,
    "audio_heads": 2,
    "audio_ffn_dim": 128,
    "vocab_size": 1024,
}

#: Named sizes. ``tiny`` (the default: tests, the demo) and ``small``: about 100 M parameters
#: (Qwen2-Audio: a 12-layer, 768-wide LM and a 6-layer, 512-wide audio encoder), the same
#: architectures at a size where the forward pass dominates the loop as it does for released
#: models; the scripts in ``perf/`` take ``--size small``.
SIZES: dict[str, dict[str, int]] = {
    "tiny": DEFAULT_SIZES,
    "small": {
        **DEFAULT_SIZES,
        "hidden_size": 768,
        "intermediate_size": 2048,
        "num_hidden_layers": 12,
        "num_attention_heads": 12,
        "num_key_value_heads": 4,
        "audio_d_model": 512,
        "audio_layers": 6,
        "audio_heads": 8,
        "audio_ffn_dim": 2048,
    },
}

SYSTEM_DEFAULT = "You are a helpful assistant."

# Special tokens, in id order after the trained vocabulary's first ids. Names follow the real
# Qwen tokenizers so prompts and processors behave as with the released checkpoints.
_SPECIAL_TOKENS: tuple[str, ...] = (
    "<|endoftext|>",
    "<|im_start|>",
    "<|im_end|>",
    "<|AUDIO|>",
    "<|audio_bos|>",
    "<|audio_eos|>",
    "<|IMAGE|>",
    "<|VIDEO|>",
    "<|vision_bos|>",
    "<|vision_eos|>",
    "<|vision_pad|>",
    "<|audio_start|>",
    "<|audio_end|>",
    "<|audio_pad|>",
    "<|image_pad|>",
    "<|video_pad|>",
    "<|vision_start|>",
    "<|vision_end|>",
)

# Strings the tokenizer learns merges from: the prompt conventions of the supported benchmarks,
# letters, digits and the tags the training recipes emit.
_CORPUS: tuple[str, ...] = (
    "You are an audio understanding model that answers multiple choice questions based on "
    "audio content.",
    SYSTEM_DEFAULT,
    "What is the main sound source in the audio? Please choose the answer from the following "
    "options: ['Man', 'Woman', 'Child', 'Robot']. Output the final answer in <answer> </answer>.",
    "Select one option from the provided choices.",
    "Select one option from the provided choices:",
    "Choose the most suitable answer from options A, B, C, and D. You must respond with only "
    "A, B, C, or D.",
    "Question: Which instrument is playing? A. piano B. guitar C. violin D. drums",
    "(A) (B) (C) (D) (E) (F) (G) (H) A. B. C. D. E. F. G. H. Answer: The answer is",
    "<answer>A</answer> <answer>B</answer> <answer>C</answer> <answer>D</answer>",
    "<think> The audio contains a tone. </think> <answer>high</answer>",
    "<stage1> <stage2> <stage3> </stage1> </stage2> </stage3> <simple analysis> </simple analysis>",
    "0 1 2 3 4 5 6 7 8 9 10 100 1000 0.5 1.5 2.5 seconds hertz Hz kHz dB",
    "a b c d e f g h i j k l m n o p q r s t u v w x y z",
    "A B C D E F G H I J K L M N O P Q R S T U V W X Y Z",
    "How many beeps are in the clip? Which tone is louder? Is the pitch rising or falling? "
    "Which comes first, the high tone or the low tone? What is the frequency of the tone? "
    "speech sound music temporal weak strong easy medium hard silence noise tone chord",
)


def build_tiny_model(
    arch: str,
    out_dir: str | Path,
    *,
    size: str = "tiny",
    seed: int = 0,
    extra_texts: Iterable[str] = (),
    **size_overrides: int,
) -> Path:
    """Build and save a tiny random model of ``arch`` (one of :data:`ARCHS`) into ``out_dir``.

    ``size`` names one of :data:`SIZES`; ``extra_texts`` are added to the tokenizer's training
    corpus; ``size_overrides`` change entries of that size. Same arguments, same files.
    Returns ``out_dir``.
    """
    if arch not in ARCHS + TEXT_ARCHS:
        known = ", ".join(ARCHS + TEXT_ARCHS)
        raise ValueError(f"unknown tiny-model arch {arch!r}; choose one of {known}")
    if size not in SIZES:
        raise ValueError(f"unknown tiny-model size {size!r}; choose one of {', '.join(SIZES)}")
    unknown = set(size_overrides) - set(DEFAULT_SIZES)
    if unknown:
        raise ValueError(
            f"unknown size override(s) {sorted(unknown)}; known: {', '.join(DEFAULT_SIZES)}"
        )
    import torch

    sizes = {**SIZES[size], **size_overrides}
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tokenizer = _train_tokenizer(arch, sizes["vocab_size"], [*_CORPUS, *extra_texts])
    ids = {tok: tokenizer.convert_tokens_to_ids(tok) for tok in _SPECIAL_TOKENS}
    vocab = len(tokenizer)

    torch.manual_seed(seed)
    model = tiny_configs.BUILDERS[arch](sizes, vocab, ids)
    model.generation_config.eos_token_id = [ids["<|im_end|>"], ids["<|endoftext|>"]]
    model.generation_config.pad_token_id = ids["<|endoftext|>"]
    model.generation_config.bos_token_id = None
    model.save_pretrained(out)

    processor = tokenizer if arch in TEXT_ARCHS else _processor(arch, tokenizer)
    processor.save_pretrained(out)
    if arch == "qwen2.5-omni":
        _save_speakers(out)
    (out / "audiomcq_tiny.json").write_text(
        json.dumps({"arch": arch, "seed": seed, "sizes": sizes}, indent=2) + "\n"
    )
    return out


def _save_speakers(out: Path) -> None:
    """``spk_dict.pt``, which ``Qwen2_5OmniForConditionalGeneration.from_pretrained`` requires
    beside every checkpoint (the real repositories ship one): the same speakers and keys, tiny
    zero tensors. Unused while the talker is off, as it is here."""
    import torch

    speaker = {"bos_token": 0, "cond": torch.zeros(1, 8), "ref_mel": torch.zeros(1, 8, 80)}
    torch.save({name: dict(speaker) for name in ("Chelsie", "Ethan")}, out / "spk_dict.pt")


def chat_template(arch: str) -> str:
    """The Jinja chat template for ``arch``: audio blocks become the model's audio placeholder,
    the assistant turn is wrapped in ``{% generation %}`` markers. No whitespace control: every
    character of the template is meant."""
    if arch == "qwen2-audio":
        audio = (
            "{% set audio_count.value = audio_count.value + 1 %}"
            "Audio {{ audio_count.value }}: <|audio_bos|><|AUDIO|><|audio_eos|>\n"
        )
    elif arch == "qwen3-omni":
        audio = "<|audio_start|><|audio_pad|><|audio_end|>"
    else:
        audio = "<|audio_bos|><|AUDIO|><|audio_eos|>"
    # `block.get('type')` rather than `'audio' in block`: datasets built with Dataset.from_list
    # fill missing keys with None, which would miscount audio blocks.
    content = (
        "{% if message['content'] is string %}{{ message['content'] }}"
        "{% else %}{% for block in message['content'] %}"
        "{% if block.get('type') == 'audio' %}" + audio + "{% elif block.get('type') == 'text' %}"
        "{{ block['text'] }}"
        "{% endif %}{% endfor %}{% endif %}"
    )
    return (
        "{% set audio_count = namespace(value=0) %}"
        "{% for message in messages %}"
        "{% if loop.first and message['role'] != 'system' %}"
        "<|im_start|>system\n" + SYSTEM_DEFAULT + "<|im_end|>\n"
        "{% endif %}"
        "<|im_start|>{{ message['role'] }}\n"
        "{% if message['role'] == 'assistant' %}"
        "{% generation %}" + content + "<|im_end|>{% endgeneration %}\n"
        "{% else %}" + content + "<|im_end|>\n"
        "{% endif %}"
        "{% endfor %}"
        "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
    )


def _train_tokenizer(arch: str, vocab_size: int, texts: list[str]) -> Any:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    backend = Tokenizer(models.BPE())
    backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    backend.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=list(_SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    backend.train_from_iterator(texts, trainer=trainer)
    named = {
        "audio_token": "<|AUDIO|>",
        "audio_bos_token": "<|audio_bos|>",
        "audio_eos_token": "<|audio_eos|>",
    }
    if arch != "qwen2-audio":
        named.update(
            image_token="<|IMAGE|>",
            video_token="<|VIDEO|>",
            vision_bos_token="<|vision_bos|>",
            vision_eos_token="<|vision_eos|>",
        )
    if arch == "qwen3-omni":
        named.update(
            audio_token="<|audio_pad|>",
            image_token="<|image_pad|>",
            video_token="<|video_pad|>",
            audio_bos_token="<|audio_start|>",
            audio_eos_token="<|audio_end|>",
            vision_bos_token="<|vision_start|>",
            vision_eos_token="<|vision_end|>",
        )
    return PreTrainedTokenizerFast(
        tokenizer_object=backend,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        padding_side="left",
        extra_special_tokens=named,
        chat_template=chat_template(arch),
    )


def _feature_extractor() -> Any:
    from transformers import WhisperFeatureExtractor

    return WhisperFeatureExtractor(
        feature_size=128, sampling_rate=SAMPLE_RATE, return_attention_mask=True
    )


def _processor(arch: str, tokenizer: Any) -> Any:
    template = chat_template(arch)
    if arch == "qwen2-audio":
        from transformers import Qwen2AudioProcessor

        return Qwen2AudioProcessor(
            feature_extractor=_feature_extractor(), tokenizer=tokenizer, chat_template=template
        )
    from audiomcq_plugins.models.processors import audio_only_processor

    return audio_only_processor(arch, _feature_extractor(), tokenizer, template)
