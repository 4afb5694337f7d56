"""Every shipped TRL recipe parses with TRL's own CLI parser and names things that exist."""

from __future__ import annotations

import importlib
import json
import os
import re
from pathlib import Path

import pytest
import yaml

pytest.importorskip("trl", reason="recipes are checked with TRL's parser (pip install '.[trl]')")

from audiomcq_plugins import plugins  # noqa: E402
from audiomcq_plugins.integrations.trl.settings import AudioSettings  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
RECIPES = REPO / "audiomcq_plugins" / "trl_recipes"
README = RECIPES / "README.md"
TRAINING = sorted(p for p in RECIPES.rglob("*.yaml") if p.parent.name != "accelerate")
ACCELERATE = sorted((RECIPES / "accelerate").glob("*.yaml"))
# bf16 recipes refuse to build their config on a machine without a bf16 GPU unless use_cpu.
CPU = ["--use_cpu", "true"]
PAPER = [p for p in TRAINING if p.parent.name in ("qwen2_5_omni_7b", "qwen2_audio_7b")]


def stage(path: Path) -> str:
    return "sft" if path.stem.endswith("sft") else "grpo"


def trl_parse(path: Path, monkeypatch) -> tuple:
    """What `trl sft|grpo --config PATH` parses (TRL's own make_parser), env restored after."""
    for key in yaml.safe_load(path.read_text()).get("env", {}):
        monkeypatch.setenv(key, "")  # restored by monkeypatch after the test
    module = importlib.import_module(f"trl.scripts.{stage(path)}")
    parser = module.make_parser()
    return parser.parse_args_and_config(CPU + ["--config", str(path)], fail_with_unknown_args=True)


def test_layout():
    assert (REPO / "trl_recipes").resolve() == RECIPES.resolve()
    names = {p.relative_to(RECIPES).as_posix() for p in TRAINING}
    for model in ("qwen2_5_omni_7b", "qwen2_audio_7b"):
        for paradigm in ("weak_to_strong", "mixed_to_strong"):
            assert {f"{model}/{paradigm}_sft.yaml", f"{model}/{paradigm}_grpo.yaml"} <= names
    assert {
        "qwen2_5_omni_7b/curriculum_grpo.yaml",
        "qwen2_5_omni_7b/mixed_upweighted_grpo.yaml",
    } <= names
    assert {"tiny/sft.yaml", "tiny/grpo.yaml"} <= names
    assert {p.stem for p in ACCELERATE} >= {"single_gpu", "zero2_8gpu", "zero3_8gpu"}


@pytest.mark.parametrize("path", TRAINING, ids=lambda p: p.relative_to(RECIPES).as_posix())
def test_recipe_parses_with_trl(path, monkeypatch):
    script_args, training_args, model_args, _ = trl_parse(path, monkeypatch)
    assert model_args.model_name_or_path and script_args.dataset_name
    assert training_args.output_dir.startswith("runs/")
    assert script_args.dataset_name.split("/")[-2:-1] == [stage(path)]  # sft/... or grpo/...
    if path.name == "text_sft.yaml":  # a text LM on prompt/completion rows: loss on completions
        assert training_args.completion_only_loss is not False
    elif stage(path) == "sft":
        assert training_args.assistant_only_loss  # loss on the answer, never on audio tokens
    else:
        assert not training_args.use_vllm  # TRL 1.16 sends no audio to vLLM


@pytest.mark.parametrize("path", TRAINING, ids=lambda p: p.relative_to(RECIPES).as_posix())
def test_recipe_parses_with_our_entry_point(path, monkeypatch):
    for key in yaml.safe_load(path.read_text()).get("env", {}):
        monkeypatch.setenv(key, "")
    module = importlib.import_module(f"audiomcq_plugins.integrations.trl.{stage(path)}")
    parser = module.make_parser()
    parser.parse_args_and_config(CPU + ["--config", str(path)], fail_with_unknown_args=True)


@pytest.mark.parametrize(
    "path",
    [p for p in TRAINING if stage(p) == "grpo"],
    ids=lambda p: p.relative_to(RECIPES).as_posix(),
)
def test_reward_paths_import(path):
    recipe = yaml.safe_load(path.read_text())
    names = recipe["reward_funcs"]
    assert len(recipe["reward_weights"]) == len(names)
    for name in names:
        module, attr = name.rsplit(".", 1)
        fn = getattr(importlib.import_module(module), attr)
        assert callable(fn)
        assert fn(None, ["<answer>x</answer>"], solution=["x"], choices=[["x", "y"]]) in ([1.0],)


@pytest.mark.parametrize("path", TRAINING, ids=lambda p: p.relative_to(RECIPES).as_posix())
def test_audio_settings_in_env_are_valid(path):
    env = {k: str(v) for k, v in (yaml.safe_load(path.read_text()).get("env") or {}).items()}
    unknown = {k for k in env if k.startswith("AUDIOMCQ_")} - {
        "AUDIOMCQ_SAMPLER",
        "AUDIOMCQ_SAMPLER_OPTIONS",
        "AUDIOMCQ_CONTRIBUTION_WEIGHTS",
        "AUDIOMCQ_AUDIO_REUSE",
    }
    assert not unknown
    settings = AudioSettings.resolve(environ=env)
    if settings.sampler:  # the options are accepted by the sampler factory itself
        labels = ["weak", "strong"] * 300
        rows = [{"audio_contribution": c} for c in labels]
        factory = plugins.get("samplers", settings.sampler)
        assert len(factory(rows, batch_size=8, mini_repeat_count=8, **settings.sampler_options))


def test_paper_hyper_parameters(monkeypatch):
    """benchmarks.md: the AudioMCQ recipe for Qwen2.5-Omni-7B."""
    for path in PAPER:
        _, args, model_args, _ = trl_parse(path, monkeypatch)
        assert args.learning_rate == 1e-6 and args.lr_scheduler_type == "cosine"
        assert args.bf16 and model_args.dtype == "bfloat16"
        if stage(path) == "sft":
            assert (args.warmup_steps, args.num_train_epochs) == (0.05, 2)
            # max_length stays unset: the audio processors would cut each clip to that many samples
            assert (args.per_device_train_batch_size, args.max_length) == (20, None)
        else:
            assert (args.warmup_steps, args.per_device_train_batch_size) == (0.01, 8)
            assert (args.num_generations, args.beta, args.temperature, args.top_k) == (
                8,
                0.001,
                1.5,
                4,
            )
            assert args.max_completion_length == 128
            assert args.reward_weights == [2.0, 0.5]
        if "_to_strong_grpo" in path.name:
            assert yaml.safe_load(path.read_text())["dataset_name"].endswith("grpo/strong")


@pytest.mark.parametrize("path", ACCELERATE, ids=lambda p: p.name)
def test_accelerate_config_loads(path):
    from accelerate.commands.config.config_args import load_config_from_file

    config = load_config_from_file(str(path))  # rejects unknown keys
    if path.name.startswith("cpu_"):  # started as torchrun ranks; the recipe's use_cpu -> gloo
        assert config.distributed_type == "MULTI_GPU" and not config.use_cpu
        assert config.num_processes == 2 and config.mixed_precision == "no"
        return
    assert config.mixed_precision == "bf16"
    assert config.deepspeed_config["zero_stage"] in (2, 3)


def test_readme_gives_one_command_per_recipe():
    text = README.read_text()
    commands = re.findall(r"`(trl (?:sft|grpo) --config [^`]+)`", text)
    configs = {c.split("--config ")[1].split()[0] for c in commands}
    assert {f"trl_recipes/{p.relative_to(RECIPES).as_posix()}" for p in TRAINING} == configs
    for command in commands:
        words = command.split()
        for flag in ("--config", "--accelerate_config"):
            if flag in words:
                assert (REPO / words[words.index(flag) + 1]).is_file(), command
        recipe = command.split("--config ")[1].split()[0]
        assert command.startswith(f"trl {stage(Path(recipe))} ")
    for path in ACCELERATE:
        assert f"trl_recipes/accelerate/{path.name}" in text


def test_recipes_ship_as_package_data():
    pyproject = (REPO / "pyproject.toml").read_text()
    assert '"trl_recipes/**/*"' in pyproject
    assert json.dumps("trl_recipes/**/*") in pyproject
    assert os.path.islink(REPO / "trl_recipes")
