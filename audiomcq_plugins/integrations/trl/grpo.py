"""Audio GRPO: :class:`AudioGRPOTrainer`, :class:`AudioGRPOConfig` and the training script.

Run it like TRL's own script, with the same recipe YAML (plus our fields)::

    accelerate launch -m audiomcq_plugins.integrations.trl.grpo --config recipe.yaml
    audiomcq train grpo --config recipe.yaml     # the same, launched for you

``reward_funcs`` may name registered rewards (``accuracy``, ``format``, ... or a plugin's),
dotted import paths, or TRL's built-in names. A local ``dataset_name`` directory is validated
(:func:`~audiomcq_plugins.integrations.trl.data.validate_dataset`) before anything is loaded.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trl import GRPOConfig, GRPOTrainer

from audiomcq_plugins.integrations.trl.grpo_mixin import AudioGRPOMixin


@dataclass
class AudioGRPOConfig(GRPOConfig):
    """``GRPOConfig`` plus the audio settings (see :mod:`.settings`; unset fields fall back to
    the ``AUDIOMCQ_*`` environment variables)."""

    contribution_weights: dict[str, Any] | str | None = field(
        default=None,
        metadata={
            "help": "Multiply each item's advantage by a weight from its audio_contribution, e.g. "
            "{'strong': 1.0, 'weak': 0.3} or 'default'. Unset: no weighting."
        },
    )
    sampler: str | None = field(
        default=None,
        metadata={"help": "Registered sampler name (e.g. curriculum, weighted_mixed)."},
    )
    sampler_options: dict[str, Any] | str | None = field(
        default=None, metadata={"help": "Options passed to the sampler factory."}
    )
    audio_encoder_reuse: bool | None = field(
        default=None,
        metadata={"help": "Encode each distinct clip once per forward (default true)."},
    )
    shared_prefill: bool | None = field(
        default=None,
        metadata={"help": "Prefill each prompt once for its generations (default true)."},
    )


class AudioGRPOTrainer(AudioGRPOMixin, GRPOTrainer):
    """``GRPOTrainer`` whose tokenization, generation and every forward carry the audio."""


def resolve_reward(name: str) -> Any:
    """A reward function from a registered name, a dotted path or a TRL built-in name.

    A dotted path is imported as Python code from ``sys.path`` (the working directory is not
    added: run with ``PYTHONPATH=.`` to use a module there); see docs/reliability.md."""
    from audiomcq_plugins import plugins

    if name in plugins.registry("rewards"):
        return plugins.get("rewards", name)
    if "." in name:
        module, attr = name.rsplit(".", 1)
        try:
            return getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError) as exc:
            raise ValueError(
                f"reward {name!r}: cannot import it ({exc}); a dotted path names a function "
                "in a module on sys.path (for one in the working directory, run with "
                "PYTHONPATH=.), or use a registered reward (`audiomcq plugins`)"
            ) from None
    import trl.rewards

    if hasattr(trl.rewards, name):
        return getattr(trl.rewards, name)
    plugins.get("rewards", name)  # raises, listing the registered names
    raise AssertionError("unreachable")


def load_datasets(script_args: Any, dataset_args: Any, stage: str) -> Any:
    """TRL's dataset selection, validating local TRL-ready JSONL directories first."""
    from datasets import DatasetDict, load_dataset
    from trl import get_dataset

    from audiomcq_plugins.integrations.trl.data import load_jsonl_dataset, validate_dataset

    if dataset_args.datasets:
        return get_dataset(dataset_args)
    name = script_args.dataset_name
    if not name:
        raise ValueError(
            "the recipe needs `dataset_name` (a directory from prepare-data) or `datasets`"
        )
    path = Path(name)
    if path.exists() and (path.is_file() or any(path.glob("*.jsonl"))):
        validate_dataset(path, stage)
        return DatasetDict({script_args.dataset_train_split: load_jsonl_dataset(path)})
    return load_dataset(
        name, name=script_args.dataset_config, streaming=script_args.dataset_streaming
    )


def model_init_kwargs(training_args: Any, model_args: Any) -> dict[str, Any]:
    kwargs = dict(
        revision=model_args.model_revision,
        trust_remote_code=training_args.trust_remote_code,
        attn_implementation=model_args.attn_implementation,
        dtype=model_args.dtype,
    )
    kwargs.update(training_args.model_init_kwargs or {})
    return kwargs


def make_parser(prog: str | None = None) -> Any:
    from trl import DatasetMixtureConfig, ModelConfig, TrlParser
    from trl.scripts.grpo import GRPOScriptArguments

    return TrlParser(
        (GRPOScriptArguments, AudioGRPOConfig, ModelConfig, DatasetMixtureConfig), prog=prog
    )


def main(argv: list[str] | None = None) -> int:
    from trl import get_peft_config, get_quantization_config

    parser = make_parser(prog="audiomcq train grpo")
    script_args, training_args, model_args, dataset_args = parser.parse_args_and_config(
        argv, fail_with_unknown_args=False
    )
    rewards = [resolve_reward(name) for name in script_args.reward_funcs or []]
    if script_args.reward_model_name_or_path:
        rewards.insert(0, script_args.reward_model_name_or_path)
    if not rewards:
        raise ValueError(
            "the recipe names no `reward_funcs`; e.g. reward_funcs: [accuracy, format]"
        )
    training_args.model_init_kwargs = model_init_kwargs(training_args, model_args)
    trainer = AudioGRPOTrainer(
        model=model_args.model_name_or_path,
        reward_funcs=rewards,
        args=training_args,
        **splits(script_args, dataset_args, training_args, "grpo"),
        quantization_config=get_quantization_config(model_args),
        peft_config=get_peft_config(model_args),
    )
    finish(trainer, training_args)
    return 0


def splits(script_args: Any, dataset_args: Any, training_args: Any, stage: str) -> dict:
    """``train_dataset`` and ``eval_dataset`` (None unless evaluating), as TRL's scripts pick."""
    dataset = load_datasets(script_args, dataset_args, stage)
    evaluate = training_args.eval_strategy != "no"
    return {
        "train_dataset": dataset[script_args.dataset_train_split],
        "eval_dataset": dataset[script_args.dataset_test_split] if evaluate else None,
    }


def finish(trainer: Any, training_args: Any) -> None:
    """Train (resuming when asked), save, and close the trackers, as TRL's scripts do."""
    trainer.train(resume_from_checkpoint=training_args.resume_from_checkpoint)
    trainer.save_model(training_args.output_dir)
    trainer.accelerator.print(f"Model saved to {training_args.output_dir}.")
    if hasattr(trainer, "end"):
        trainer.end()


if __name__ == "__main__":
    raise SystemExit(main())


__all__ = ["AudioGRPOConfig", "AudioGRPOTrainer", "main", "make_parser", "resolve_reward"]
