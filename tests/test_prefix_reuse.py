"""Shared-prefix reuse (models/prefix_reuse.py): probes that share a silent clip prefill only
their own question, with the same greedy answers and the same logits as running each in full."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("transformers")

from audiomcq_plugins import ablations  # noqa: E402
from audiomcq_plugins.models.hf import HFAudioLM, generation_settings  # noqa: E402
from audiomcq_plugins.models.requests import AudioRequest  # noqa: E402
from audiomcq_plugins.models.tiny import build_tiny_model  # noqa: E402

ARCHS = ("qwen2-audio", "qwen2.5-omni")


def _probes(n: int, clip=None) -> list[AudioRequest]:
    """Silent probes whose questions differ in length (suffixes padded differently)."""
    silence = ablations.silence(30) if clip is None else clip
    return [
        AudioRequest(
            f"Question {i}: " + "which sound comes first? " * (i % 4) + "(A) dog (B) cat",
            (silence,),
        )
        for i in range(n)
    ]


@pytest.fixture(scope="module", params=ARCHS)
def model_dir(request, tmp_path_factory):
    return build_tiny_model(request.param, tmp_path_factory.mktemp(request.param) / "m")


def test_probes_give_the_answers_of_running_each_in_full(model_dir):
    probes = _probes(10)
    full = HFAudioLM(model_dir, device="cpu", batch_size=4, reuse_prefix=False, prefetch=False)
    reused = HFAudioLM(model_dir, device="cpu", batch_size=4, prefetch=False)
    want = full.generate(probes, max_new_tokens=8)
    assert reused.generate(probes, max_new_tokens=8) == want
    reuse = reused.prefix_reuse
    assert reuse is not None and full.prefix_reuse is None
    # The ~750-token prefix was prefilled once; each batch prefilled its questions only.
    assert reuse.prefill_tokens < reuse.full_tokens / 4, (reuse.prefill_tokens, reuse.full_tokens)


def test_the_logits_of_every_step_match(model_dir):
    """Stronger than equal text (a tiny random model may repeat one token): every generated
    step's scores equal the full run's, row by row, to float tolerance."""
    import torch

    lm = HFAudioLM(model_dir, device="cpu", batch_size=4, prefetch=False)
    batch = lm.encode(_probes(4))
    settings = generation_settings(6, False, lm.tokenizer.pad_token_id, {})
    settings.update(output_scores=True, return_dict_in_generate=True)
    with torch.inference_mode():
        full = lm.model.generate(**batch, **settings)
        inputs = lm.prefix_reuse.inputs(batch)
        assert "cache" in inputs  # reused, not run in full
        reused = lm.model.generate(**inputs, **settings)
    width = batch["input_ids"].shape[1]
    assert torch.equal(
        full.sequences[:, width:], reused.sequences[:, inputs["input_ids"].shape[1] :]
    )
    for a, b in zip(full.scores, reused.scores, strict=True):
        torch.testing.assert_close(a, b, atol=1e-4, rtol=1e-4)


def test_batches_without_a_shared_clip_run_in_full(model_dir):
    rng = np.random.default_rng(0)
    clips = [(0.1 * rng.standard_normal(16000)).astype(np.float32) for _ in range(4)]
    requests = [AudioRequest(f"Question {i}?", (clip,)) for i, clip in enumerate(clips)]
    lm = HFAudioLM(model_dir, device="cpu", batch_size=4, prefetch=False)
    off = HFAudioLM(model_dir, device="cpu", batch_size=4, prefetch=False, reuse_prefix=False)
    assert lm.generate(requests, max_new_tokens=4) == off.generate(requests, max_new_tokens=4)
    assert lm.prefix_reuse.prefill_tokens == lm.prefix_reuse.full_tokens
    assert lm.prefix_reuse.entry is None


def test_a_text_only_model_is_not_offered_reuse(tmp_path):
    lm = HFAudioLM(build_tiny_model("qwen2", tmp_path / "t"), device="cpu")
    assert lm.prefix_reuse is None
