"""Audio SFT: :class:`AudioSFTCollator`, :class:`AudioSFTTrainer` and the training script.

::

    accelerate launch -m audiomcq_plugins.integrations.trl.sft --config recipe.yaml
    audiomcq train sft --config recipe.yaml

Data: ``messages`` rows with audio content blocks ending in the assistant's answer
(:mod:`.data` writes them). The collator renders each conversation with the chat template,
splits it at the start of the last assistant turn, runs the processor on the prompt part with
the decoded clip (which expands the audio placeholder into one token per audio frame) and
appends the tokenized answer. Labels are the answer tokens (through the end-of-turn token) and
-100 everywhere else: system and user turns, padding and every audio placeholder. No
``{% generation %}`` markers are needed, so the models' own chat templates work.

The literal ``trl sft`` CLI also trains on audio (TRL's vision collator sends the processor's
``input_features`` to the model) when the data has an empty ``images`` column, the recipe sets
``assistant_only_loss: true`` and the chat template has ``{% generation %}`` markers; see
``docs/trl.md`` for what it needs and where it stops.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from trl import SFTConfig, SFTTrainer

from audiomcq_plugins.audio import SAMPLE_RATE
from audiomcq_plugins.integrations.trl.audio_inputs import (
    TEXT_KEYS,
    audio_sources,
    clean_blocks,
    load_clip,
)
from audiomcq_plugins.models.processors import trimmed_audio_kwargs
from audiomcq_plugins.processes import DrainBeforeEnd


@dataclass
class AudioSFTCollator:
    """Batches ``messages`` rows for an audio LM: loss on the final assistant turn only."""

    processor: Any
    max_length: int | None = None
    chat_template: str | None = None
    pad_to_multiple_of: int | None = None

    def __call__(self, examples: list[dict[str, Any]]) -> dict[str, Any]:
        import torch

        tokenizer = self.processor.tokenizer
        prompts, answers, clips = [], [], []
        for example in examples:
            messages = clean_blocks(example["messages"])
            if messages[-1].get("role") != "assistant":
                raise ValueError(
                    f"row {example.get('id', '?')}: the last message must be the assistant's "
                    f"answer, got role {messages[-1].get('role')!r}"
                )
            render = dict(chat_template=self.chat_template, tokenize=False)
            full = self.processor.apply_chat_template(messages, **render)
            prompt = self.processor.apply_chat_template(
                messages[:-1], add_generation_prompt=True, **render
            )
            if not full.startswith(prompt):
                raise ValueError(
                    "the chat template does not render the prompt as a prefix of the conversation; "
                    "the answer span cannot be located"
                )
            prompts.append(prompt)
            # The answer through its end-of-turn token; the template's trailing newline is not
            # something the model should learn to emit.
            answers.append(full[len(prompt) :].rstrip())
            clips.extend(load_clip(s, example.get("id")) for s in audio_sources(messages))
        encoded = self.processor(
            text=prompts,
            audio=clips,
            sampling_rate=SAMPLE_RATE,  # the rate every clip is decoded at
            padding=True,
            return_tensors="pt",
            **trimmed_audio_kwargs(self.processor, clips),  # features to the longest clip
        )
        answer_ids = tokenizer(answers, add_special_tokens=False)["input_ids"]
        mask = encoded["attention_mask"].bool()
        rows, labels = [], []
        for i, example in enumerate(examples):
            prompt_ids = encoded["input_ids"][i][mask[i]].tolist()
            if self.max_length is not None and len(prompt_ids) >= self.max_length:
                raise ValueError(
                    f"row {example.get('id', '?')}: the prompt with its audio placeholders is "
                    f"{len(prompt_ids)} tokens, max_length is {self.max_length}; raise max_length "
                    "(audio placeholders must not be truncated)"
                )
            target = answer_ids[i]
            if self.max_length is not None:
                target = target[: self.max_length - len(prompt_ids)]
            rows.append(prompt_ids + target)
            labels.append([-100] * len(prompt_ids) + target)
        width = max(len(r) for r in rows)
        if self.pad_to_multiple_of:
            width = -(-width // self.pad_to_multiple_of) * self.pad_to_multiple_of
        pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
        input_ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
        attention = torch.zeros((len(rows), width), dtype=torch.long)
        label_ids = torch.full((len(rows), width), -100, dtype=torch.long)
        for i, (row, lab) in enumerate(zip(rows, labels, strict=True)):
            input_ids[i, : len(row)] = torch.tensor(row)
            attention[i, : len(row)] = 1
            label_ids[i, : len(lab)] = torch.tensor(lab)
        batch = {"input_ids": input_ids, "attention_mask": attention, "labels": label_ids}
        batch.update({k: v for k, v in encoded.items() if k not in TEXT_KEYS})
        return batch


class AudioSFTTrainer(DrainBeforeEnd, SFTTrainer):
    """``SFTTrainer`` with :class:`AudioSFTCollator` and the audio-only processor fallback."""

    def __init__(self, model: Any, args: SFTConfig | None = None, *rest: Any, **kwargs: Any):
        from audiomcq_plugins.integrations.trl.compat import require_tested_trl
        from audiomcq_plugins.integrations.trl.loading import check_trainable, load_processor
        from audiomcq_plugins.processes import end_distributed_at_exit

        require_tested_trl()
        end_distributed_at_exit()  # a rank must not hang at exit (audiomcq_plugins.processes)
        if isinstance(model, str):
            check_trainable(model)
        if kwargs.get("processing_class") is None and not rest:
            model_id = model if isinstance(model, str) else model.config._name_or_path
            kwargs["processing_class"] = load_processor(model_id)
        if args is not None:
            # The collator tokenizes on the fly: keep the raw `messages` column.
            args.dataset_kwargs = {**(args.dataset_kwargs or {}), "skip_prepare_dataset": True}
            args.remove_unused_columns = False
        if kwargs.get("data_collator") is None:
            kwargs["data_collator"] = AudioSFTCollator(
                kwargs["processing_class"],
                max_length=getattr(args, "max_length", None),
                chat_template=None,
                pad_to_multiple_of=getattr(args, "pad_to_multiple_of", None),
            )
        super().__init__(model, args, *rest, **kwargs)
        self.data_collator.chat_template = self.chat_template


def make_parser(prog: str | None = None) -> Any:
    from trl import DatasetMixtureConfig, ModelConfig, ScriptArguments, TrlParser

    return TrlParser((ScriptArguments, SFTConfig, ModelConfig, DatasetMixtureConfig), prog=prog)


def main(argv: list[str] | None = None) -> int:
    from trl import get_peft_config, get_quantization_config

    from audiomcq_plugins.integrations.trl.grpo import finish, model_init_kwargs, splits

    parser = make_parser(prog="audiomcq train sft")
    script_args, training_args, model_args, dataset_args = parser.parse_args_and_config(
        argv, fail_with_unknown_args=False
    )
    training_args.model_init_kwargs = model_init_kwargs(training_args, model_args)
    trainer = AudioSFTTrainer(
        model_args.model_name_or_path,
        training_args,
        **splits(script_args, dataset_args, training_args, "sft"),
        quantization_config=get_quantization_config(model_args),
        peft_config=get_peft_config(model_args),
    )
    finish(trainer, training_args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
