"""SFT through the literal `trl sft` CLI and through `audiomcq train sft` (subprocesses)."""

from __future__ import annotations

import re
import sys

import pytest

pytest.importorskip("trl")
yaml = pytest.importorskip("yaml")

from tests.trl_fixtures import run_ok, tiny_checkpoint, trl_data  # noqa: E402

# training subprocesses; checkpoints built once per session, quietly, first (conftest.py)
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("tiny_checkpoints")]


def recipe(tmp_path, arch, data_dir, **overrides):
    config = {
        "model_name_or_path": str(tiny_checkpoint(arch)),
        "dataset_name": str(data_dir / "sft" / "weak"),
        "assistant_only_loss": True,  # needed by `trl sft`; ignored by our collator
        "per_device_train_batch_size": 2,
        "max_steps": 2,
        "max_length": 1024,
        "learning_rate": 1e-3,
        "use_cpu": True,
        "gradient_checkpointing": False,
        "report_to": "none",
        "save_strategy": "no",
        "logging_steps": 1,
        "output_dir": str(tmp_path / f"out-{arch}"),
    }
    config.update(overrides)
    path = tmp_path / f"sft-{arch}.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def train_loss(cmd, cwd):
    proc = run_ok(cmd, cwd)
    found = re.findall(r"'train_loss': '?([0-9.]+)", proc.stdout + proc.stderr)
    assert found, proc.stdout[-2000:]
    return float(found[-1])


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return trl_data(tmp_path_factory.mktemp("sft-cli-data"))


def test_literal_trl_sft(tmp_path, data_dir):
    """`trl sft` runs no user code: Qwen2-Audio (AutoProcessor loads it without torchvision),
    the prepared data's empty `images` column and `assistant_only_loss` do the work."""
    # max_length must be null: TRL hands it to the processor, which cuts the audio to that many
    # samples (see test_trl_vision_collator_truncates_audio_with_max_length).
    config = recipe(tmp_path, "qwen2-audio", data_dir, max_length=None)
    loss = train_loss(
        [sys.executable, "-m", "trl.cli.main", "sft", "--config", str(config)], tmp_path
    )
    assert loss > 0
    assert (tmp_path / "out-qwen2-audio" / "model.safetensors").is_file()


def test_our_sft_entry_point(tmp_path, data_dir):
    config = recipe(tmp_path, "qwen2.5-omni", data_dir)
    cmd = [sys.executable, "-m", "audiomcq_plugins", "train", "sft", "--config", str(config)]
    assert train_loss(cmd, tmp_path) > 0
    assert (tmp_path / "out-qwen2.5-omni" / "model.safetensors").is_file()
