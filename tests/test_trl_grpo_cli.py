"""GRPO through the literal `trl grpo` CLI and through `audiomcq train grpo` (subprocesses),
including a resume from a checkpoint written by the other route."""

from __future__ import annotations

import json
import sys

import pytest

pytest.importorskip("trl")
yaml = pytest.importorskip("yaml")

from tests.processes import run  # noqa: E402
from tests.trl_fixtures import run_ok, subprocess_env, tiny_checkpoint, trl_data  # noqa: E402

# training subprocesses; checkpoints built once per session, quietly, first (conftest.py)
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("tiny_checkpoints")]


def recipe(tmp_path, data_dir, **overrides):
    config = {
        "model_name_or_path": str(tiny_checkpoint("qwen2.5-omni")),
        "dataset_name": str(data_dir / "grpo" / "mixed"),
        "reward_funcs": [
            "audiomcq_plugins.integrations.trl.rewards.accuracy_reward",
            "audiomcq_plugins.integrations.trl.rewards.format_reward",
        ],
        "reward_weights": [2.0, 0.5],
        "num_generations": 2,
        "per_device_train_batch_size": 4,
        "max_completion_length": 4,
        "max_steps": 1,
        "learning_rate": 1e-3,
        "use_cpu": True,
        "gradient_checkpointing": False,
        "report_to": "none",
        "save_strategy": "steps",
        "save_steps": 1,
        "logging_steps": 1,
        "dataloader_num_workers": 0,
        "output_dir": str(tmp_path / "out"),
        # the trl CLI hands unknown top-level keys to accelerate: audio settings go in env:
        "env": {"AUDIOMCQ_CONTRIBUTION_WEIGHTS": {"strong": 1.0, "weak": 0.3}},
    }
    config.update(overrides)
    path = tmp_path / "grpo.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def history(checkpoint):
    return json.loads((checkpoint / "trainer_state.json").read_text())["log_history"]


def test_trl_cli_then_resume_with_our_entry_point(tmp_path):
    data_dir = trl_data(tmp_path / "data")
    config = recipe(tmp_path, data_dir)
    run_ok([sys.executable, "-m", "trl.cli.main", "grpo", "--config", str(config)], tmp_path)
    first = history(tmp_path / "out" / "checkpoint-1")
    # only the audio trainer logs contribution weights: the import of our reward installed it
    assert any("contribution_weight/mean" in e for e in first)

    run_ok(
        [
            sys.executable,
            "-m",
            "audiomcq_plugins",
            "train",
            "grpo",
            "--config",
            str(config),
            "--max_steps",
            "2",
            "--resume_from_checkpoint",
            str(tmp_path / "out" / "checkpoint-1"),
        ],
        tmp_path,
    )
    second = history(tmp_path / "out" / "checkpoint-2")
    steps = [e["step"] for e in second if "loss" in e]
    assert steps == [1, 2]  # step 1 restored from the checkpoint, only step 2 trained
    assert second[0] == first[0]
    assert (tmp_path / "out" / "model.safetensors").is_file()


def test_our_entry_point_refuses_bad_data_before_launch(tmp_path):
    data_dir = trl_data(tmp_path / "data", n=4)
    (data_dir / "grpo" / "mixed" / "train.jsonl").write_text(
        json.dumps({"prompt": [{"role": "user", "content": "no audio"}], "id": "x1"}) + "\n"
    )
    proc = run(
        [sys.executable, "-m", "audiomcq_plugins", "train", "grpo", "--config"]
        + [str(recipe(tmp_path, data_dir))],
        cwd=tmp_path,
        env=subprocess_env(),
        timeout=300,
    )
    assert proc.returncode != 0
    for missing in ("no {'type': 'audio'} content block", "'solution'", "'choices'", "x1"):
        assert missing in proc.stderr
