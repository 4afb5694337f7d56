"""The hearing base's captions and cache key (the training itself runs in test_demo.py)."""

from __future__ import annotations

import json

from audiomcq_plugins.benchmarks import synth
from audiomcq_plugins.workflows import pretrain


def strong_records(n: int) -> list[dict]:
    config = synth.SynthConfig(seed=pretrain.PRETRAIN_SEED, weak_fraction=0.0)
    return [record for record, _ in synth.examples(n, config)]


def test_captions_describe_the_clip_without_the_question_or_options():
    for record in strong_records(24):
        prompt, target = pretrain.caption(record)
        assert prompt.startswith("Describe ") and record["question"] not in prompt
        assert target.endswith(f" {record['answer']}.") and "<answer>" not in target
        assert prompt in pretrain.caption_texts()


def test_every_subtask_has_an_aspect():
    assert set(pretrain.ASPECTS) == set(synth.SUBTASKS)


def test_cache_key_follows_the_inputs(tmp_path):
    key = pretrain.fingerprint(100, {})
    assert key == pretrain.fingerprint(100, {})
    assert key != pretrain.fingerprint(200, {})
    assert key != pretrain.fingerprint(100, {"max_steps": 5})
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / pretrain.STAMP).write_text(json.dumps({"fingerprint": key}))
    assert pretrain.cached(tmp_path, key) == {"fingerprint": key}
    assert pretrain.cached(tmp_path, pretrain.fingerprint(200, {})) is None


def test_bad_override_is_a_usage_error(capsys):
    try:
        pretrain.main(["--set", "max_steps"])
    except SystemExit as exc:
        assert exc.code == 2
    assert "expected KEY=VALUE" in capsys.readouterr().err


def test_saved_processor_module_serves_the_audio_only_class():
    # TRL saves a remote-code processor with a copy of its module; the copy names the class
    from audiomcq_plugins.models import processors

    cls = processors.Qwen2_5OmniProcessorAudioOnly
    assert cls.__name__ == "Qwen2_5OmniProcessorAudioOnly"
    assert issubclass(cls, processors._audio_only_class("qwen2.5-omni").__mro__[1])
