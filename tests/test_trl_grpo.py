"""Audio GRPO (in process, tiny models): the audio reaches every forward and the gradient."""

from __future__ import annotations

import math

import pytest

from audiomcq_plugins.audio import SAMPLE_RATE

torch = pytest.importorskip("torch")
pytest.importorskip("trl")

from tests.trl_fixtures import tiny_checkpoint, tone, trl_data, varied_reward  # noqa: E402

# built once per session, quietly, before any of these tests (conftest.py)
pytestmark = pytest.mark.usefixtures("tiny_checkpoints")


def make_trainer(arch, data_dir, tmp_path, **overrides):
    from audiomcq_plugins.integrations.trl.data import load_jsonl_dataset
    from audiomcq_plugins.integrations.trl.grpo import AudioGRPOConfig, AudioGRPOTrainer

    settings = dict(
        output_dir=str(tmp_path / "out"),
        per_device_train_batch_size=4,
        gradient_accumulation_steps=2,
        num_generations=2,
        num_iterations=2,  # old log-probs are computed
        beta=0.01,  # the reference model is used
        max_completion_length=4,
        max_steps=1,
        learning_rate=1e-3,
        report_to=[],
        save_strategy="no",
        use_cpu=True,
        gradient_checkpointing=False,
        seed=0,
    )
    settings.update(overrides)
    dataset = load_jsonl_dataset(data_dir / "grpo" / "mixed")
    return AudioGRPOTrainer(
        model=str(tiny_checkpoint(arch)),
        reward_funcs=varied_reward,
        args=AudioGRPOConfig(**settings),
        train_dataset=dataset,
    )


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return trl_data(tmp_path_factory.mktemp("grpo-data"))


def audio_grad_norms(trainer):
    """Record the gradient norm reaching each audio-tower parameter."""
    from audiomcq_plugins.integrations.trl.loading import audio_towers

    norms = []
    for tower in audio_towers(trainer.model):
        for p in tower.parameters():
            p.register_hook(lambda g: norms.append(float(g.norm())))
    return norms


@pytest.mark.parametrize("arch", ["qwen2.5-omni", "qwen2-audio", "qwen3-omni"])
def test_audio_tower_gets_gradients(arch, data_dir, tmp_path):
    """Clips of different lengths, gradient accumulation 2: the tower gets a gradient."""
    # Qwen2-Audio always encodes 30 s per clip: a smaller batch keeps the test quick.
    batch = 2 if arch == "qwen2-audio" else 4
    trainer = make_trainer(arch, data_dir, tmp_path, per_device_train_batch_size=batch)
    norms = audio_grad_norms(trainer)
    trainer.train()
    assert norms and max(norms) > 0
    logged = {k for entry in trainer.state.log_history for k in entry}
    if arch == "qwen3-omni":  # MoE: the router load-balancing loss is part of the loss
        assert trainer.aux_loss_enabled
        aux = [e["aux_loss"] for e in trainer.state.log_history if "aux_loss" in e]
        assert aux and all(math.isfinite(a) and a > 0 for a in aux)
    assert "reward" in logged


@pytest.fixture(scope="module")
def same_length_dir(tmp_path_factory):
    """Eight different tones of equal length: every prompt has the same token ids."""
    from audiomcq_plugins.audio import write_audio
    from audiomcq_plugins.integrations.trl.data import prepare
    from tests.trl_fixtures import write_items

    root = tmp_path_factory.mktemp("same-length")
    items = write_items(root / "clips", 8)
    for i in range(8):
        write_audio(root / "clips" / f"clip{i}.wav", tone(300 + 150 * i, 0.5), SAMPLE_RATE)
    prepare(items, root / "clips", root / "trl")
    return root / "trl"


def test_every_forward_depends_on_the_audio(same_length_dir, tmp_path):
    """Policy, reference and old-policy forwards: identical token ids with different clips
    give different log-probs; with the same clip, identical log-probs."""
    trainer = make_trainer("qwen2.5-omni", same_length_dir, tmp_path)
    original = trainer._get_per_token_logps_and_entropies
    checked: dict[str, int] = {}

    def spy(model, input_ids, attention_mask, logits_to_keep, batch_size=None, *a, **kw):
        result = original(model, input_ids, attention_mask, logits_to_keep, batch_size, *a, **kw)
        role = (
            "ref"
            if model is trainer.ref_model
            else "policy"
            if kw.get("compute_entropy") or (a and a[0])
            else "old"
        )
        clips = trainer._active_audio.clip_ids.tolist()
        n = input_ids.size(0)
        with torch.no_grad():
            same_ids = input_ids[:1].expand(n, -1).contiguous()
            same_mask = attention_mask[:1].expand(n, -1).contiguous()
            logps = original(model, same_ids, same_mask, logits_to_keep, batch_size)[0]
        for j in range(1, n):
            if clips[j] == clips[0]:
                torch.testing.assert_close(logps[j], logps[0])
            else:
                assert not torch.allclose(logps[j], logps[0]), (role, j)
                checked[role] = checked.get(role, 0) + 1
        return result

    trainer._get_per_token_logps_and_entropies = spy
    trainer.train()
    assert set(checked) == {"policy", "ref", "old"}, checked


def test_rows_keep_their_clip_through_shuffle_and_accumulation(same_length_dir, tmp_path):
    """Every row of every loss forward carries the clip its completion was generated from,
    after TRL's shuffle of the generation batch and its split into accumulation steps."""
    trainer = make_trainer(
        "qwen2.5-omni", same_length_dir, tmp_path, num_iterations=1, beta=0.0, max_steps=2
    )
    assert trainer.args.steps_per_generation == 2
    generated: dict[tuple, set[float]] = {}
    original_generate = trainer._generate_single_turn

    def record(prompt_ids, images, fields, *args, **kwargs):
        completion_ids, logprobs = original_generate(prompt_ids, images, fields, *args, **kwargs)
        for i, features in enumerate(fields["input_features"]):
            key = (tuple(prompt_ids[i]), tuple(completion_ids[i]))
            generated.setdefault(key, set()).add(round(float(features.sum()), 3))
        return completion_ids, logprobs

    seen = []
    original_loss = trainer._compute_loss

    def check(model, inputs):
        for i, features in enumerate(inputs["audio:input_features"]):
            prompt = inputs["prompt_ids"][i][inputs["prompt_mask"][i].bool()]
            completion = inputs["completion_ids"][i][inputs["completion_mask"][i].bool()]
            key = (tuple(prompt.tolist()), tuple(completion.tolist()))
            seen.append(round(float(features.sum()), 3) in generated[key])
        return original_loss(model, inputs)

    trainer._generate_single_turn = record
    trainer._compute_loss = check
    trainer.train()
    assert len({v for values in generated.values() for v in values}) == 8  # 8 distinct clips
    assert seen and all(seen), seen


def test_contribution_weights_scale_advantages_and_loss(data_dir, tmp_path):
    """Documented: each item's advantage (after group normalisation), hence its loss term, is
    multiplied by its weight: loss(w) = w_strong * loss(strong rows) + w_weak * loss(weak rows)."""
    weights = {"strong": 1.0, "weak": 0.25}
    trainer = make_trainer(
        "qwen2.5-omni", data_dir, tmp_path, contribution_weights=weights, beta=0.0, num_iterations=1
    )
    batch = next(iter(trainer.get_train_dataloader()))
    labels = [row["audio_contribution"] for row in batch]
    assert set(labels) == {"weak", "strong"}
    torch.manual_seed(0)
    weighted = trainer._generate_and_score_completions(batch)
    trainer._audio_settings.contribution_weights = None
    torch.manual_seed(0)
    plain = trainer._generate_and_score_completions(batch)
    assert torch.equal(weighted["completion_ids"], plain["completion_ids"])
    w = torch.tensor([weights[c] for c in labels])
    torch.testing.assert_close(weighted["advantages"], plain["advantages"] * w)
    assert plain["advantages"].abs().sum() > 0

    def loss(advantages):
        return trainer._compute_loss(trainer.model, {**plain, "advantages": advantages}).detach()

    strong = torch.tensor([c == "strong" for c in labels], dtype=torch.float32)
    expected = 1.0 * loss(plain["advantages"] * strong) + 0.25 * loss(
        plain["advantages"] * (1 - strong)
    )
    torch.testing.assert_close(loss(weighted["advantages"]), expected)


def test_registered_sampler_is_used(data_dir, tmp_path, monkeypatch):
    """`AUDIOMCQ_SAMPLER` (the trl CLI's env: block) selects a registered sampler factory."""
    monkeypatch.setenv("AUDIOMCQ_SAMPLER", "curriculum")
    trainer = make_trainer("qwen2.5-omni", data_dir, tmp_path, shuffle_dataset=False)
    sampler = trainer._get_train_sampler()
    assert type(sampler).__name__ != "RepeatSampler"
    order = list(dict.fromkeys(sampler))  # rows in order of first appearance
    labels = [trainer.train_dataset[i]["audio_contribution"] for i in order]
    assert labels[0] == "weak"
    first_strong = labels.index("strong")
    assert all(label == "strong" for label in labels[first_strong:])


def test_encode_prompts_dedupes_and_keeps_rows():
    from audiomcq_plugins.integrations.trl.audio_inputs import encode_prompts
    from audiomcq_plugins.integrations.trl.loading import load_processor

    processor = load_processor(tiny_checkpoint("qwen2.5-omni"))

    def prompt(seconds, freq):
        return [
            {
                "role": "user",
                "content": [
                    {"type": "audio", "audio": tone(freq, seconds)},
                    {"type": "text", "text": "high or low?", "audio": None},
                ],
            }
        ]

    prompts = [prompt(0.5, 440)] * 3 + [prompt(1.0, 880)] * 3
    ids, audio = encode_prompts(processor, prompts)
    plain_ids, plain = encode_prompts(processor, prompts, dedupe=False)
    assert ids == plain_ids
    assert audio.clip_ids.tolist() == [0, 0, 0, 1, 1, 1]
    assert plain.clip_ids.tolist() == list(range(6))
    for key in audio.fields:
        torch.testing.assert_close(audio.fields[key], plain.fields[key])
    audio_id = processor.tokenizer.convert_tokens_to_ids(processor.audio_token)
    counts = [row.count(audio_id) for row in ids]
    assert counts[0] < counts[3]  # the longer clip has more placeholder tokens


def test_trimmed_prompt_features_give_the_same_logits_and_gradients():
    """GRPO prompts pad Omni features to the longest clip, not 30 s: the frames the model
    reads are the same, so the logits and the gradients of a forward pass are too."""
    from audiomcq_plugins.integrations.trl.audio_inputs import encode_prompts
    from audiomcq_plugins.integrations.trl.loading import load_processor
    from audiomcq_plugins.models.loading import load_model

    path = tiny_checkpoint("qwen2.5-omni")
    model, processor = load_model(path), load_processor(path)
    prompts = [
        [{"role": "user", "content": [{"type": "audio", "audio": tone(f, s)},
                                      {"type": "text", "text": "high or low?"}]}]
        for f, s in ((440, 0.5), (880, 1.3), (660, 0.9))
    ]  # fmt: skip

    def run(trim):
        ids, audio = encode_prompts(processor, prompts, trim=trim)
        width = max(map(len, ids))
        input_ids = torch.tensor([[0] * (width - len(r)) + r for r in ids])
        mask = torch.tensor([[0] * (width - len(r)) + [1] * len(r) for r in ids])
        model.zero_grad()
        logits = model(input_ids=input_ids, attention_mask=mask, **audio.fields).logits
        logits.float().pow(2).mean().backward()
        grads = [p.grad.clone() for p in model.parameters() if p.grad is not None]
        return audio.fields["input_features"].shape[-1], logits.detach(), grads

    (frames, logits, grads), (full_frames, full_logits, full_grads) = run(True), run(False)
    assert frames < full_frames == 3000
    torch.testing.assert_close(logits, full_logits, rtol=0, atol=0)
    for a, b in zip(grads, full_grads, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("arch", ["qwen2.5-omni", "qwen2-audio"])
def test_encoder_reuse_matches_separate_encoding(arch):
    """Encoding each clip once and copying gives the same features and gradients."""
    from audiomcq_plugins.integrations.trl.loading import audio_towers, load_processor
    from audiomcq_plugins.integrations.trl.reuse import EncoderReuse
    from audiomcq_plugins.models.loading import load_model

    path = tiny_checkpoint(arch)
    model = load_model(path)
    processor = load_processor(path)
    clips = [tone(440, 0.5), tone(440, 0.5), tone(880, 0.8)]
    padding = "max_length" if arch == "qwen2-audio" else True  # Qwen2-Audio: always 30 s
    feats = processor.feature_extractor(
        clips,
        sampling_rate=SAMPLE_RATE,
        return_attention_mask=True,
        padding=padding,
        return_tensors="pt",
    )
    features, mask = feats["input_features"], feats["attention_mask"]
    tower = audio_towers(model)[0]

    def run(reuse_ids):
        model.zero_grad()
        reuse = EncoderReuse()
        reuse.install(model)
        with reuse.clips(reuse_ids):
            if arch == "qwen2-audio":
                out = tower(features).last_hidden_state
            else:
                out = model.model.get_audio_features(features, mask).last_hidden_state
        out.pow(2).sum().backward()
        grads = [p.grad.clone() for p in tower.parameters() if p.grad is not None]
        tower.forward = type(tower).forward.__get__(tower)  # undo for the next run
        del tower._audiomcq_reuse
        return out.detach(), grads, reuse.encoded_clips

    out_reused, grads_reused, n_reused = run(torch.tensor([0, 0, 1]))
    out_plain, grads_plain, n_plain = run(None)
    assert (n_reused, n_plain) == (2, 3)
    torch.testing.assert_close(out_reused, out_plain)
    for a, b in zip(grads_reused, grads_plain, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-6)


def test_settings_from_config_and_env(monkeypatch):
    from audiomcq_plugins.integrations.trl.settings import AudioSettings

    monkeypatch.setenv("AUDIOMCQ_CONTRIBUTION_WEIGHTS", "{'strong': 1.0, 'weak': 0.5}")
    monkeypatch.setenv("AUDIOMCQ_SAMPLER_OPTIONS", '{"switch_at": 0.5}')
    monkeypatch.setenv("AUDIOMCQ_AUDIO_REUSE", "false")
    monkeypatch.setenv("AUDIOMCQ_SHARED_PREFILL", "false")
    s = AudioSettings.resolve(None)
    assert s.contribution_weights == {"strong": 1.0, "weak": 0.5}
    assert s.sampler_options == {"switch_at": 0.5}
    assert s.audio_encoder_reuse is False and s.shared_prefill is False
    assert AudioSettings.resolve(None, environ={}).shared_prefill is True

    class Args:
        contribution_weights = "default"
        sampler = "weighted_mixed"
        sampler_options = None
        audio_encoder_reuse = None

    s = AudioSettings.resolve(Args(), environ={})
    assert s.contribution_weights == {"strong": 1.0, "weak": 0.3}
    assert (s.sampler, s.sampler_options, s.audio_encoder_reuse) == ("weighted_mixed", {}, True)
    assert AudioSettings.resolve(None, environ={}).contribution_weights is None
    with pytest.raises(ValueError, match="strong"):
        AudioSettings.resolve(None, environ={"AUDIOMCQ_CONTRIBUTION_WEIGHTS": "loud=2"})


def test_untested_trl_version_is_refused(monkeypatch):
    from audiomcq_plugins.integrations.trl import compat

    monkeypatch.setattr(compat, "installed_trl_version", lambda: "0.9.0")
    with pytest.raises(compat.UnsupportedTRLVersion, match=r"trl 0\.9\.0 is installed"):
        compat.require_tested_trl()


def _repeated_prompts(arch, order):
    """A processor batch of two audio prompts, their rows in ``order`` (indices 0/1)."""
    from audiomcq_plugins.models.hf import HFAudioLM
    from audiomcq_plugins.models.requests import AudioRequest

    lm = HFAudioLM(tiny_checkpoint(arch), device="cpu", reuse_prefix=False, prefetch=False)
    prompts = [
        AudioRequest(f"Question {i}: " + "which one? " * i, (tone(300.0 * (i + 1), i + 1.0),))
        for i in range(2)
    ]
    return lm, lm.encode([prompts[i] for i in order])


@pytest.mark.parametrize("arch", ["qwen2-audio", "qwen2.5-omni"])
def test_one_prefill_per_prompt_samples_the_same_completions(arch, monkeypatch):
    """Each prompt prefilled once for its 3 rows: for a fixed seed, the sampled completions
    equal those of the full prefill; generate() is the model's own again afterwards."""
    from audiomcq_plugins.integrations.trl import shared_prefill

    lm, batch = _repeated_prompts(arch, [0, 0, 0, 1, 1, 1])
    settings = dict(do_sample=True, top_k=4, temperature=1.5, max_new_tokens=8)
    settings["pad_token_id"] = lm.tokenizer.pad_token_id
    torch.manual_seed(0)
    full = lm.model.generate(**batch, **settings)
    taken = []
    split = shared_prefill._shared
    monkeypatch.setattr(shared_prefill, "_shared", lambda *a: taken.append(split(*a)) or taken[-1])
    torch.manual_seed(0)
    with shared_prefill.one_prefill_per_prompt(lm.model, 3):
        shared = lm.model.generate(**batch, **settings)
    assert taken and taken[0] is not None and "cache" in taken[0]  # the shared path ran
    assert torch.equal(full, shared)
    assert "generate" not in lm.model.__dict__


def test_rows_not_in_runs_of_one_prompt_are_generated_in_full():
    from audiomcq_plugins.integrations.trl.shared_prefill import _shared

    lm, batch = _repeated_prompts("qwen2-audio", [0, 1, 0, 1])
    assert _shared(lm.model, 2, dict(batch)) is None
