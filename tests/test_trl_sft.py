"""Audio SFT: our collator and trainer, and the mechanism the literal `trl sft` relies on."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("trl")

from tests.trl_fixtures import tiny_checkpoint, trl_data  # noqa: E402

# built once per session, quietly, before any of these tests (conftest.py)
pytestmark = pytest.mark.usefixtures("tiny_checkpoints")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return trl_data(tmp_path_factory.mktemp("sft-data"))


def sft_config(tmp_path, **overrides):
    from trl import SFTConfig

    settings = dict(
        output_dir=str(tmp_path / "out"),
        per_device_train_batch_size=2,
        gradient_accumulation_steps=2,
        max_steps=1,
        learning_rate=1e-3,
        report_to=[],
        save_strategy="no",
        use_cpu=True,
        gradient_checkpointing=False,
        max_length=None,
        seed=0,
    )
    settings.update(overrides)
    return SFTConfig(**settings)


def tower_grad_norms(model):
    from audiomcq_plugins.integrations.trl.loading import audio_towers

    norms = []
    for tower in audio_towers(model):
        for p in tower.parameters():
            p.register_hook(lambda g: norms.append(float(g.norm())))
    return norms


def check_labels(batch, processor):
    """Labels: only the assistant answer (+ end of turn); never an audio placeholder."""
    audio_id = processor.tokenizer.convert_tokens_to_ids(processor.audio_token)
    labels, ids = batch["labels"], batch["input_ids"]
    assert (ids == audio_id).any()
    assert not (labels == audio_id).any()
    for row_ids, row_labels in zip(ids, labels, strict=True):
        kept = row_ids[row_labels != -100]
        text = processor.tokenizer.decode(kept)
        assert text.startswith("<answer>") and "</answer>" in text, text
        assert "Is the tone" not in text


@pytest.mark.parametrize("arch", ["qwen2.5-omni", "qwen2-audio"])
def test_audio_sft_trainer(arch, data_dir, tmp_path):
    from audiomcq_plugins.integrations.trl.data import load_jsonl_dataset
    from audiomcq_plugins.integrations.trl.sft import AudioSFTTrainer

    trainer = AudioSFTTrainer(
        str(tiny_checkpoint(arch)),
        sft_config(tmp_path),
        train_dataset=load_jsonl_dataset(data_dir / "sft" / "mixed"),
    )
    batch = trainer.data_collator([trainer.train_dataset[i] for i in range(4)])
    assert "input_features" in batch and "feature_attention_mask" in batch
    check_labels(batch, trainer.processing_class)
    norms = tower_grad_norms(trainer.model)
    trainer.train()
    assert norms and max(norms) > 0
    assert trainer.state.log_history[-1]["train_loss"] > 0


def test_collator_answer_only_and_truncation(data_dir):
    from audiomcq_plugins.integrations.trl.data import load_jsonl_dataset
    from audiomcq_plugins.integrations.trl.loading import load_processor
    from audiomcq_plugins.integrations.trl.sft import AudioSFTCollator

    processor = load_processor(tiny_checkpoint("qwen2.5-omni"))
    rows = list(load_jsonl_dataset(data_dir / "sft" / "mixed"))[:3]
    batch = AudioSFTCollator(processor)(rows)
    end = processor.tokenizer.convert_tokens_to_ids("<|im_end|>")
    for row_ids, row_labels, row in zip(batch["input_ids"], batch["labels"], rows, strict=True):
        kept = row_ids[row_labels != -100].tolist()
        assert kept[-1] == end
        assert processor.tokenizer.decode(kept[:-1]) == f"<answer>{row['solution']}</answer>"
    alone = AudioSFTCollator(processor)(rows[:1])["labels"][0]
    prompt_len = int((alone != -100).nonzero()[0])  # tokens before the answer
    with pytest.raises(ValueError, match="audio placeholders must not be truncated"):
        AudioSFTCollator(processor, max_length=10)(rows)
    short = AudioSFTCollator(processor, max_length=prompt_len + 2)(rows[:1])
    assert short["input_ids"].shape[1] == prompt_len + 2
    assert int((short["labels"][0] != -100).sum()) == 2


def test_trl_vision_collator_carries_audio(data_dir, tmp_path):
    """What the literal `trl sft` does with our data (empty `images` column,
    assistant_only_loss, a template with {% generation %}): TRL's own SFTTrainer sends the
    audio features to the model, masks the placeholders, and the audio tower learns."""
    from trl import SFTTrainer

    from audiomcq_plugins.integrations.trl.data import load_jsonl_dataset

    trainer = SFTTrainer(
        str(tiny_checkpoint("qwen2-audio")),
        args=sft_config(tmp_path, assistant_only_loss=True, max_steps=1),
        train_dataset=load_jsonl_dataset(data_dir / "sft" / "weak"),
    )
    assert type(trainer.data_collator).__name__ == "DataCollatorForVisionLanguageModeling"
    batch = trainer.data_collator([trainer.train_dataset[i] for i in range(2)])
    assert "input_features" in batch
    check_labels(batch, trainer.processing_class)
    norms = tower_grad_norms(trainer.model)
    trainer.train()
    assert norms and max(norms) > 0


def test_trl_vision_collator_truncates_audio_with_max_length(data_dir):
    """The trap documented in docs/trl.md: TRL's vision collator passes `max_length` to the
    processor, whose feature extractor then cuts every clip to `max_length` *samples*. If this
    starts failing, TRL fixed it and the `max_length: null` advice for `trl sft` can go."""
    from trl.trainer.sft_trainer import DataCollatorForVisionLanguageModeling

    from audiomcq_plugins.integrations.trl.data import load_jsonl_dataset
    from audiomcq_plugins.integrations.trl.loading import load_processor

    processor = load_processor(tiny_checkpoint("qwen2.5-omni"))
    rows = list(load_jsonl_dataset(data_dir / "sft" / "weak"))[:1]
    full = DataCollatorForVisionLanguageModeling(processor, assistant_only_loss=True)(rows)
    cut = DataCollatorForVisionLanguageModeling(
        processor, max_length=1024, assistant_only_loss=True
    )(rows)
    assert cut["input_features"].shape[-1] * 160 <= 1024 < full["input_features"].shape[-1] * 160
