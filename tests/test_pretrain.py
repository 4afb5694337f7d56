"""The general models' data (captions, silence and noise, reading tasks) and cache key; the
training itself runs in test_demo.py."""

from __future__ import annotations

import hashlib
import json
import re

import numpy as np
import pytest

from audiomcq_plugins.benchmarks import synth
from audiomcq_plugins.workflows import captions, general_data, pretrain, tiny_recipe


def strong_records(n: int) -> list[dict]:
    config = synth.SynthConfig(seed=general_data.PRETRAIN_SEED, weak_fraction=0.0)
    return [record for record, _ in synth.examples(n, config)]


def test_captions_describe_the_clip_without_the_question_or_options():
    for record in strong_records(24):
        prompt, target = captions.caption(record)
        assert prompt.startswith("Describe ") and record["question"] not in prompt
        assert target.endswith(f" {record['answer']}.") and "<answer>" not in target
        assert prompt in captions.caption_texts()


def test_every_subtask_has_an_aspect():
    assert set(captions.ASPECTS) == set(synth.SUBTASKS)


def _suite_texts() -> list[str]:
    """Every question and every fixed part of a weak item's wording the suite can emit."""
    texts = [q for task in synth.SUBTASKS.values() for q in task.questions]
    for template in synth.WEAK_TEMPLATES:
        texts += [part.strip(" .()'") for part in re.split(r"\{\w+\}", template)]
    return [t for t in texts if len(t) > 3]


def test_general_data_shares_no_question_and_no_wording_with_the_suite(tmp_path):
    clips = [
        {"audio": f"c{i}.wav", "aspect": "the kind of sound", "caption": "It is a tone.",
         "caption_text": "the clip contains a steady tone",
         "descriptions": [f"the clip contains {x}" for x in synth.SUBTASKS["sound_event"].labels],
         "label": "a steady tone", "labels": list(synth.SUBTASKS["sound_event"].labels)}
        for i in range(40)
    ]  # fmt: skip
    quiet = [("silence", "s.wav"), ("noise", "n.wav")] * 20
    rows = general_data.audio_rows(clips, quiet, words=["tone", "noise"])
    texts = [b["text"] for r in rows for m in r["messages"] for b in m["content"] if "text" in b]
    texts += [r["prompt"] for r in general_data.text_rows(200, words=["tone"])]
    forbidden = _suite_texts()
    assert "The clip was annotated as" in forbidden and "Hint: the correct option is" in forbidden
    for text in texts:
        assert not [f for f in forbidden if f in text], text
    kinds = {r["kind"] for r in rows}
    assert kinds == {"caption", "caption_mcq", "quiet", "abstain", "reading"}


def _clip_hashes(seed: int, n: int) -> set[str]:
    config = synth.SynthConfig(
        seed=seed, min_seconds=0.5, max_seconds=tiny_recipe.MAX_SECONDS,
        subtasks=synth.EASY_SUBTASKS,
    )  # fmt: skip
    return {hashlib.sha256(a.tobytes()).hexdigest() for _, a in synth.examples(n, config)}


def test_general_clips_are_not_clips_of_the_training_pool_or_the_held_out_suite():
    general = _clip_hashes(general_data.PRETRAIN_SEED, 200)
    assert len(general) == 200
    for seed in (tiny_recipe.TRAIN_SEED, tiny_recipe.HELDOUT_SEED):
        assert not general & _clip_hashes(seed, 200)
    assert general_data.PRETRAIN_SEED not in (tiny_recipe.TRAIN_SEED, tiny_recipe.HELDOUT_SEED)


def test_stated_answers_are_among_the_choices_and_quoted_in_the_question():
    rng = np.random.default_rng(0)
    for _ in range(200):
        question, choices, answer = general_data.mcq(rng, True, ["alpha", "beta"])
        assert len(set(choices)) == 4 and answer in choices and f"'{answer}'" in question


def test_cache_key_follows_the_inputs(tmp_path):
    key = pretrain.fingerprint(100, {})
    assert key == pretrain.fingerprint(100, {})
    assert key != pretrain.fingerprint(200, {})
    assert key != pretrain.fingerprint(100, {"max_steps": 5})
    assert key != pretrain.fingerprint(100, {}, "qwen2-audio")
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / pretrain.STAMP).write_text(json.dumps({"fingerprint": key}))
    assert pretrain.cached(tmp_path, key) == {"fingerprint": key}
    assert pretrain.cached(tmp_path, pretrain.fingerprint(200, {})) is None


def test_new_audio_rows_rebuild_the_audio_models_but_not_the_text_lm(monkeypatch):
    before = {arch: pretrain.fingerprint(100, {}, arch) for arch in pretrain.MODELS}
    monkeypatch.setattr(general_data, "AUDIO_ROWS_VERSION", general_data.AUDIO_ROWS_VERSION + 1)
    after = {arch: pretrain.fingerprint(100, {}, arch) for arch in pretrain.MODELS}
    assert after["qwen2"] == before["qwen2"]
    assert after["qwen2.5-omni"] != before["qwen2.5-omni"]
    assert after["qwen2-audio"] != before["qwen2-audio"]


def test_bad_override_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        pretrain.main(["--set", "max_steps"])
    assert exc.value.code == 2
    assert "expected KEY=VALUE" in capsys.readouterr().err


def test_unknown_architecture_is_refused_by_name(capsys):
    with pytest.raises(SystemExit) as exc:
        pretrain.main(["--arch", "qwen9"])
    assert exc.value.code == 2
    assert "invalid choice: 'qwen9'" in capsys.readouterr().err


def test_saved_processor_module_serves_the_audio_only_class():
    # TRL saves a remote-code processor with a copy of its module; the copy names the class
    from audiomcq_plugins.models import processors

    cls = processors.Qwen2_5OmniProcessorAudioOnly
    assert cls.__name__ == "Qwen2_5OmniProcessorAudioOnly"
    assert issubclass(cls, processors._audio_only_class("qwen2.5-omni").__mro__[1])


@pytest.mark.parametrize("arch", ["qwen2-audio", "qwen2.5-omni"])
def test_audio_models_start_from_the_text_lm(arch, tmp_path):
    import torch
    from transformers import AutoModelForCausalLM

    from audiomcq_plugins.models.loading import load_model

    text = tiny_recipe.build_model(tmp_path / "text", arch="qwen2", seed=1)
    audio = tiny_recipe.build_model(tmp_path / "audio", arch=arch, seed=2)
    tiny_recipe.init_language_model(audio, text)
    source = AutoModelForCausalLM.from_pretrained(text).state_dict()
    target = load_model(audio, device="cpu", dtype="float32", trust_remote_code=True).state_dict()
    for key, value in source.items():
        name = key if key in target else key.replace("model.", "model.language_model.", 1)
        assert torch.equal(target[name], value), key


def test_a_text_lm_of_another_size_is_refused(tmp_path):
    text = tiny_recipe.build_model(tmp_path / "text", arch="qwen2", hidden_size=64)
    audio = tiny_recipe.build_model(tmp_path / "audio", arch="qwen2-audio")
    with pytest.raises(ValueError, match=r"text-LM weight model\.embed_tokens\.weight"):
        tiny_recipe.init_language_model(audio, text)
