"""Tiny offline models: real architectures, loadable like Hub checkpoints, audio matters."""

from __future__ import annotations

import json

import numpy as np
import pytest

from audiomcq_plugins.audio import SAMPLE_RATE

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from audiomcq_plugins.cli import main  # noqa: E402
from audiomcq_plugins.models.processors import load_processor  # noqa: E402
from audiomcq_plugins.models.tiny import build_tiny_model, chat_template  # noqa: E402

THINKERS = {
    "qwen2-audio": "Qwen2AudioForConditionalGeneration",
    "qwen2.5-omni": "Qwen2_5OmniThinkerForConditionalGeneration",
    "qwen3-omni": "Qwen3OmniMoeThinkerForConditionalGeneration",
}


@pytest.fixture(scope="module", params=sorted(THINKERS))
def tiny(request, tmp_path_factory):
    arch = request.param
    return arch, build_tiny_model(arch, tmp_path_factory.mktemp(arch.replace(".", "_")))


def _tone(freq: float, seconds: float = 1.0) -> np.ndarray:
    t = np.arange(int(SAMPLE_RATE * seconds)) / SAMPLE_RATE
    return (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def _messages(audio: np.ndarray) -> list[dict]:
    return [
        {"role": "system", "content": "You answer questions about audio."},
        {
            "role": "user",
            "content": [
                {"type": "audio", "audio": audio},
                {"type": "text", "text": "Is the tone high or low? Output <answer> </answer>."},
            ],
        },
    ]


def test_loads_forwards_generates_and_hears_the_audio(tiny):
    arch, path = tiny
    model_cls = getattr(transformers, THINKERS[arch])
    model, info = model_cls.from_pretrained(path, output_loading_info=True)
    assert not info["missing_keys"] and not info["unexpected_keys"]
    n_params = sum(p.numel() for p in model.parameters())
    assert 100_000 < n_params < 2_000_000
    processor = load_processor(path)
    if arch == "qwen2-audio":
        assert type(processor) is type(transformers.AutoProcessor.from_pretrained(path))

    batch = processor.apply_chat_template(
        _messages(_tone(440)),
        add_generation_prompt=True,
        tokenize=True,
        return_dict=True,
        return_tensors="pt",
    )
    assert "input_features" in batch
    with torch.no_grad():
        logits = model(**batch).logits
        other = dict(batch)
        other["input_features"] = torch.zeros_like(batch["input_features"]) - 1.0
        logits_other = model(**other).logits
        out = model.generate(**batch, max_new_tokens=4, do_sample=False)
    assert logits.shape[-1] == model.config.get_text_config().vocab_size
    assert (logits[0, -1] - logits_other[0, -1]).abs().max() > 1e-6, "audio must change logits"
    assert batch["input_ids"].shape[1] < out.shape[1] <= batch["input_ids"].shape[1] + 4


def test_processor_call_with_audio_arrays_batches(tiny):
    arch, path = tiny
    processor = load_processor(path)
    prompts = [
        processor.apply_chat_template(_messages(a), add_generation_prompt=True, tokenize=False)
        for a in (_tone(440, 0.5), _tone(880, 2.0))
    ]
    batch = processor(
        text=prompts, audio=[_tone(440, 0.5), _tone(880, 2.0)], return_tensors="pt", padding=True
    )
    assert batch["input_ids"].shape[0] == 2
    # The longer clip yields more audio placeholder tokens; left padding keeps prompts flush right.
    audio_id = processor.tokenizer.convert_tokens_to_ids(processor.audio_token)
    counts = (batch["input_ids"] == audio_id).sum(-1).tolist()
    assert counts[0] < counts[1]
    assert batch["attention_mask"][0, -1] == 1 and batch["attention_mask"][0, 0] == 0


def test_chat_template_marks_the_assistant_turn(tiny):
    arch, path = tiny
    tokenizer = transformers.AutoTokenizer.from_pretrained(path)
    conversation = [
        {"role": "user", "content": [{"type": "text", "text": "Which?"}]},
        {"role": "assistant", "content": [{"type": "text", "text": "<answer>A</answer>"}]},
    ]
    out = tokenizer.apply_chat_template(
        conversation, tokenize=True, return_dict=True, return_assistant_tokens_mask=True
    )
    masked = [t for t, m in zip(out["input_ids"], out["assistant_masks"], strict=True) if m]
    assert tokenizer.decode(masked) == "<answer>A</answer><|im_end|>"
    # Blocks whose missing keys were filled with None (Dataset.from_list) still count once.
    text = tokenizer.apply_chat_template(
        [{"role": "user", "content": [{"type": "text", "text": "x", "audio": None}]}],
        tokenize=False,
    )
    assert "<|AUDIO|>" not in text and "<|audio_pad|>" not in text
    assert tokenizer.chat_template == chat_template(arch)


def test_build_is_deterministic_and_takes_extra_texts(tmp_path):
    a = build_tiny_model("qwen2-audio", tmp_path / "a", seed=3, extra_texts=["zebra quokka"])
    b = build_tiny_model("qwen2-audio", tmp_path / "b", seed=3, extra_texts=["zebra quokka"])
    assert (a / "model.safetensors").read_bytes() == (b / "model.safetensors").read_bytes()
    assert (a / "tokenizer.json").read_text() == (b / "tokenizer.json").read_text()
    tokenizer = transformers.AutoTokenizer.from_pretrained(a)
    assert len(tokenizer.tokenize(" quokka")) <= 2
    meta = json.loads((a / "audiomcq_tiny.json").read_text())
    assert meta["arch"] == "qwen2-audio" and meta["seed"] == 3


def test_unknown_arch_and_size_are_reported(tmp_path):
    with pytest.raises(ValueError, match="qwen2-audio"):
        build_tiny_model("llama", tmp_path)
    with pytest.raises(ValueError, match="hidden_size"):
        build_tiny_model("qwen2-audio", tmp_path, hiden_size=3)


def test_cli_builds_a_loadable_model(tmp_path, capsys):
    out = tmp_path / "cli"
    assert main(["tiny-model", "--arch", "qwen2.5-omni", "--out", str(out)]) == 0
    assert str(out) in capsys.readouterr().out
    config = json.loads((out / "config.json").read_text())
    assert config["model_type"] == "qwen2_5_omni" and config["enable_audio_output"] is False


# -- the transformers backend (models/hf.py) on the tiny models ---------------------------------


@pytest.fixture(scope="module")
def omni_lm(tmp_path_factory):
    from audiomcq_plugins.models.hf import HFAudioLM

    path = build_tiny_model("qwen2.5-omni", tmp_path_factory.mktemp("omni_lm"))
    return HFAudioLM(path, batch_size=3, max_new_tokens=5, device="cpu")


def _requests() -> list:
    from audiomcq_plugins.models.requests import AudioRequest

    clips = [_tone(440, 0.5), _tone(660, 1.5), _tone(880, 1.0), _tone(220, 2.5)]
    reqs = [AudioRequest("Which tone? <answer>", (c,), system_prompt="sys") for c in clips]
    return [*reqs, AudioRequest("A text-only question."), AudioRequest("Two", (clips[0], clips[1]))]


def test_batched_generation_equals_one_by_one(omni_lm):
    reqs = _requests()
    batched = omni_lm.generate(reqs)
    single = [omni_lm.generate([r])[0] for r in reqs]
    assert batched == single
    assert all(isinstance(t, str) for t in batched)


def test_batched_loglikelihood_equals_one_by_one_and_hears_audio(omni_lm):
    from audiomcq_plugins.models.requests import AudioRequest

    reqs = _requests()
    conts = ["<answer>A</answer>", " high", "<answer>low</answer>", "B", " no", "yes"]
    batched = omni_lm.loglikelihood(reqs, conts)
    single = [omni_lm.loglikelihood([r], [c])[0] for r, c in zip(reqs, conts, strict=True)]
    for (a, ga), (b, gb) in zip(batched, single, strict=True):
        assert a == pytest.approx(b, abs=1e-3) and a < 0 and ga == gb
    silent = AudioRequest(reqs[0].text, (np.zeros(8000, np.float32),), system_prompt="sys")
    assert omni_lm.score_options(reqs[0], ["A"]) != omni_lm.score_options(silent, ["A"])
    raw = omni_lm.loglikelihood([AudioRequest("The tone is", chat=False)], [" high"])
    assert raw[0][0] < 0


def test_requests_are_checked():
    from audiomcq_plugins.models.requests import AudioRequest, truncate_at_stops

    with pytest.raises(ValueError, match="1-D float32"):
        AudioRequest("q", (np.zeros((2, 10), np.float32),))
    with pytest.raises(ValueError, match="chat"):
        AudioRequest("q", (np.zeros(10, np.float32),), chat=False)
    msgs = AudioRequest("q", (np.zeros(10, np.float32),), system_prompt="s").chat_messages()
    assert [m["role"] for m in msgs] == ["system", "user"]
    assert [b["type"] for b in msgs[1]["content"]] == ["audio", "text"]
    assert truncate_at_stops("abc<|im_end|>def\n\nx", ["\n\n", "<|im_end|>"]) == "abc"


def test_trimmed_features_and_prefetch_change_nothing(omni_lm):
    """Padding Omni features to the batch's longest clip (not 30 s) gives bit-identical
    features on every frame the model reads, and the background encoding thread changes no
    output: generations and log-likelihoods equal the plain loop's exactly."""
    reqs = [*_requests(), _long_request()]
    assert omni_lm.trim_audio
    omni_lm.trim_audio = False
    full = omni_lm.encode(reqs[:4])
    omni_lm.trim_audio = True
    trimmed = omni_lm.encode(reqs[:4])
    assert full["input_features"].shape[-1] == 3000 > trimmed["input_features"].shape[-1]
    for key in ("input_ids", "attention_mask"):
        assert torch.equal(full[key], trimmed[key])
    read_full = full["input_features"].transpose(1, 2)[full["feature_attention_mask"].bool()]
    mask = trimmed["feature_attention_mask"].bool()
    assert torch.equal(read_full, trimmed["input_features"].transpose(1, 2)[mask])

    conts = ["<answer>A</answer>", " high", "B", " no", "yes", "<answer>low</answer>", "C"]
    results = {}
    prefetch_default = omni_lm.prefetch
    for trim, prefetch in ((False, False), (True, True)):
        omni_lm.trim_audio, omni_lm.prefetch = trim, prefetch
        results[trim] = (omni_lm.generate(reqs), omni_lm.loglikelihood(reqs, conts))
    omni_lm.prefetch = prefetch_default
    assert omni_lm.encode_seconds > 0 and omni_lm.encode_wait_seconds > 0
    assert results[False] == results[True]


def _long_request():
    """A clip over the extractor's 30 s window: truncated exactly as the processor does."""
    from audiomcq_plugins.models.requests import AudioRequest

    return AudioRequest("Long clip?", (_tone(330, 31.0),))


@pytest.mark.parametrize("arch", ["qwen2.5-omni", "qwen3-omni"])
def test_omni_processor_loads_where_torchvision_is_installed(arch, tmp_path, monkeypatch):
    """With torchvision present the real AutoProcessor is tried first; an audio-only checkpoint
    (no image/video processor configs) still loads, through the audio-only processor."""
    import transformers.utils

    path = build_tiny_model(arch, tmp_path / "m")
    monkeypatch.setattr(transformers.utils, "is_torchvision_available", lambda: True)
    processor = load_processor(path)
    assert type(processor).__name__.endswith("AudioOnly")
    batch = processor.apply_chat_template(
        _messages(_tone(440.0)), tokenize=True, return_dict=True, return_tensors="pt"
    )
    assert batch["input_features"].shape[1] == 128


def test_cuda_device_falls_back_to_cpu_without_cuda(monkeypatch):
    """lm-eval's command line defaults --device to cuda:0; like lm-eval's hf model, run on the
    CPU when CUDA is missing instead of crashing."""
    import torch

    from audiomcq_plugins.models.loading import resolve_device

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("cuda:0") == "cpu"
    assert resolve_device("auto") == "cpu" and resolve_device(None) == "cpu"
    assert resolve_device("cpu") == "cpu"
