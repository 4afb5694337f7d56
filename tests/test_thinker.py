"""Thinker extraction from a full (tiny) Qwen2.5-Omni checkpoint."""

from __future__ import annotations

import json

import pytest

torch = pytest.importorskip("torch", reason="needs torch (pip install '.[trl]')")
transformers = pytest.importorskip("transformers", reason="needs transformers")

from audiomcq_plugins.models import thinker  # noqa: E402
from audiomcq_plugins.models.processors import load_processor  # noqa: E402
from audiomcq_plugins.models.tiny import build_tiny_model  # noqa: E402

Thinker = transformers.Qwen2_5OmniThinkerForConditionalGeneration


@pytest.fixture(scope="module")
def full_omni(tmp_path_factory):
    """A tiny full Omni checkpoint, plus a fake talker tensor as in the released models."""
    from safetensors.torch import load_file, save_file

    path = build_tiny_model("qwen2.5-omni", tmp_path_factory.mktemp("omni"))
    weights = load_file(path / "model.safetensors")
    weights["talker.model.fake.weight"] = torch.ones(3, 3)
    save_file(weights, path / "model.safetensors", metadata={"format": "pt"})
    return path


def test_extracted_thinker_loads_with_its_processor(full_omni, tmp_path):
    out = thinker.extract_thinker(full_omni, tmp_path / "thinker")
    assert json.loads((out / "config.json").read_text())["model_type"] == "qwen2_5_omni_thinker"
    model, info = Thinker.from_pretrained(out, output_loading_info=True)
    assert not info["missing_keys"] and not info["unexpected_keys"]
    reference = Thinker.from_pretrained(full_omni)
    for (name, a), (_, b) in zip(
        model.state_dict().items(), reference.state_dict().items(), strict=True
    ):
        assert torch.equal(a, b), name
    from safetensors import safe_open

    with safe_open(str(out / "model.safetensors"), "pt") as f:
        assert not [k for k in f.keys() if "talker" in k]  # noqa: SIM118

    processor = load_processor(out)
    assert processor.tokenizer.chat_template == load_processor(full_omni).tokenizer.chat_template
    text = processor.apply_chat_template(
        [{"role": "user", "content": [{"type": "text", "text": "hello"}]}], tokenize=False
    )
    assert "hello" in text


def test_refuses_non_full_checkpoints_and_existing_output(full_omni, tmp_path):
    out = thinker.extract_thinker(full_omni, tmp_path / "t")
    with pytest.raises(thinker.ThinkerExtractionError, match="already a thinker-only"):
        thinker.extract_thinker(out, tmp_path / "again")
    with pytest.raises(thinker.ThinkerExtractionError, match="no config.json"):
        thinker.extract_thinker(tmp_path / "nowhere", tmp_path / "x")
    with pytest.raises(thinker.ThinkerExtractionError, match="not empty"):
        thinker.extract_thinker(full_omni, out)
    assert thinker.extract_thinker(full_omni, out, overwrite=True) == out


def test_cli_subcommand(full_omni, tmp_path, capsys):
    from audiomcq_plugins.cli import main

    assert main(["train", "extract-thinker", str(full_omni), "--out", str(tmp_path / "cli")]) == 0
    assert "thinker written to" in capsys.readouterr().out
    assert (tmp_path / "cli" / "tokenizer.json").is_file()
    assert main(["train", "extract-thinker", str(full_omni), str(tmp_path / "cli")]) == 2
    assert "not empty" in capsys.readouterr().err
