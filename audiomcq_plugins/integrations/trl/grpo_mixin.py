"""Audio support for TRL's ``GRPOTrainer``: one implementation, used two ways.

- :class:`~audiomcq_plugins.integrations.trl.grpo.AudioGRPOTrainer` = this mixin + ``GRPOTrainer``
  (our entry points, no patching);
- :func:`~audiomcq_plugins.integrations.trl.patch.install` makes ``GRPOTrainer(...)`` construct
  that same class, for the literal ``trl grpo`` CLI.

What the mixin changes (TRL 1.16, see :mod:`.compat`):

- tokenization (``_tokenize_prompts``): prompts with an audio block are rendered by the chat
  template and run through the processor with their decoded clip; each distinct prompt once.
- generation (``_generate_single_turn``): the processor's audio tensors go to ``generate``
  (TRL passes them through); the audio encoder runs once per clip (:mod:`.reuse`), and each
  prompt is prefilled once for its ``num_generations`` rows (:mod:`.shared_prefill`).
- every log-prob forward (``_get_per_token_logps_and_entropies``): policy, reference and old
  policy receive ``input_features``/``feature_attention_mask`` for their rows. TRL itself
  forwards only image keys, so without this the audio tower silently gets no gradient.
- the batch dict carries the audio tensors row-aligned, so TRL's shuffle and its split into
  gradient-accumulation steps keep each row with its clip.
- advantages: multiplied per item by its contribution weight (after TRL's group
  normalisation), so an item's loss term scales by exactly that weight.
- sampler (``_get_train_sampler``): a registered sampler factory when one is configured.
- init: the processor is loaded with the audio-only fallback; models whose config has no
  ``image_token_id`` (Qwen2-Audio) no longer crash, and the audio placeholder token is suppressed
  during sampling (a sampled placeholder would not match the audio features).
"""

from __future__ import annotations

import inspect
from typing import Any

from audiomcq_plugins.integrations.trl import shared_prefill
from audiomcq_plugins.integrations.trl.audio_inputs import (
    CLIP_IDS_KEY,
    AudioBatch,
    encode_prompts,
    has_audio,
)
from audiomcq_plugins.processes import DrainBeforeEnd

#: Prefix of the audio tensors stored in TRL's batch dicts.
AUDIO_PREFIX = "audio:"


class AudioGRPOMixin(DrainBeforeEnd):
    """Mix into ``GRPOTrainer`` (first base) to train audio language models."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from audiomcq_plugins.integrations.trl.compat import require_tested_trl
        from audiomcq_plugins.integrations.trl.reuse import EncoderReuse
        from audiomcq_plugins.integrations.trl.settings import AudioSettings
        from audiomcq_plugins.processes import end_distributed_at_exit

        require_tested_trl()
        end_distributed_at_exit()  # a rank must not hang at exit (audiomcq_plugins.processes)
        bound = inspect.signature(super().__init__).bind(*args, **kwargs)
        params = bound.arguments
        grpo_args = params.get("args")
        self._audio_settings = AudioSettings.resolve(grpo_args)
        self._active_audio: AudioBatch | None = None
        self._audio_reuse = EncoderReuse()
        model = params["model"]
        if isinstance(model, str):
            model = params["model"] = self._load_policy(model, grpo_args, params)
        if params.get("processing_class") is None:
            params["processing_class"] = _load_grpo_processor(model)
        token_id = _audio_token(model, params["processing_class"])
        # TRL suppresses `config.image_token_id` during sampling and crashes when it is missing
        # (Qwen2-Audio). Point it at the audio placeholder for construction only.
        borrowed = not hasattr(model.config, "image_token_id") and token_id is not None
        if borrowed:
            model.config.image_token_id = token_id
        try:
            super().__init__(**params)
        finally:
            if borrowed:
                del model.config.image_token_id
        self._suppress_audio_token(token_id)
        for target in (self.model, self.ref_model):
            if target is not None:
                self._audio_reuse.install(target)
        if self.use_vllm and _dataset_has_audio(self.train_dataset):
            raise NotImplementedError(
                "TRL's vLLM generation passes images only, so audio prompts would be generated "
                "without their audio; set use_vllm: false for audio GRPO"
            )

    # --- construction helpers ---------------------------------------------------------------

    @staticmethod
    def _load_policy(model_id: str, args: Any, params: dict) -> Any:
        """Load the policy as TRL would (same helper and init kwargs), so that its config can
        be fixed before ``GRPOTrainer.__init__`` reads it."""
        from trl.trainer.utils import create_model_from_path

        from audiomcq_plugins.integrations.trl.loading import check_trainable

        check_trainable(model_id)
        init_kwargs = dict((args.model_init_kwargs if args is not None else None) or {})
        if params.get("quantization_config") is not None:
            init_kwargs["quantization_config"] = params.pop("quantization_config")
        if args is not None and args.distributed_state.distributed_type in (
            "MULTI_GPU",
            "DEEPSPEED",
        ):
            init_kwargs["device_map"] = None
        init_kwargs.setdefault("trust_remote_code", getattr(args, "trust_remote_code", False))
        return create_model_from_path(model_id, **init_kwargs)

    def _suppress_audio_token(self, token_id: int | None) -> None:
        if token_id is None or getattr(self, "generation_kwargs", None) is None:
            return
        suppress = [t for t in self.generation_kwargs.get("suppress_tokens") or [] if t is not None]
        if token_id not in suppress:
            suppress.append(token_id)
        self.generation_kwargs["suppress_tokens"] = suppress
        self.generation_config.suppress_tokens = suppress

    # --- sampling ---------------------------------------------------------------------------

    def _get_train_sampler(self, dataset: Any = None) -> Any:
        name = self._audio_settings.sampler
        if not name:
            return super()._get_train_sampler(dataset)
        from audiomcq_plugins import plugins

        factory = plugins.get("samplers", name)
        return factory(
            self.train_dataset if dataset is None else dataset,
            mini_repeat_count=self.num_generations,
            batch_size=self.args.generation_batch_size // self.num_generations,
            repeat_count=self.num_iterations * self.args.steps_per_generation,
            shuffle=self.shuffle_dataset,
            seed=self.args.seed,
            **self._audio_settings.sampler_options,
        )

    # --- tokenization and generation --------------------------------------------------------

    def _tokenize_prompts(self, prompts: list) -> Any:
        if not has_audio(prompts):
            return super()._tokenize_prompts(prompts)
        if getattr(self, "environment_factories", None) is not None or self.tools:
            raise NotImplementedError("tools and environments are not supported with audio prompts")
        prompt_ids, audio = encode_prompts(
            self.processing_class,
            prompts,
            chat_template=self.chat_template,
            template_kwargs=self.chat_template_kwargs,
            dedupe=self._audio_settings.audio_encoder_reuse,
        )
        self._active_audio = audio
        return prompt_ids, None, dict(audio.fields)

    def _generate_single_turn(self, *args: Any, **kwargs: Any) -> Any:
        audio = self._active_audio
        shared = shared_prefill.for_trainer(self, audio is not None)
        with self._audio_reuse.clips(None if audio is None else audio.clip_ids), shared:
            return super()._generate_single_turn(*args, **kwargs)

    def _generate_and_score_completions(self, inputs: list[dict[str, Any]]) -> dict[str, Any]:
        self._active_audio = None
        try:
            output = super()._generate_and_score_completions(inputs)
            audio = self._active_audio
        finally:
            self._active_audio = None
        if audio is not None:
            device = output["prompt_ids"].device
            output.update(
                {
                    (k if k == CLIP_IDS_KEY else AUDIO_PREFIX + k): v
                    for k, v in audio.to(device).as_inputs().items()
                }
            )
        weights = self._contribution_weights(inputs)
        if weights is not None:
            advantages = output["advantages"]
            weights = weights.to(advantages.device, advantages.dtype)
            output["advantages"] = advantages * (
                weights if advantages.dim() == 1 else weights[:, None]
            )
            mode = "train" if self.model.training else "eval"
            gathered = self.accelerator.gather(weights)
            self._metrics[mode]["contribution_weight/mean"].append(gathered.mean().item())
        return output

    def _contribution_weights(self, inputs: list[dict[str, Any]]) -> Any:
        """One weight per local row, or None when contribution weighting is off."""
        table = self._audio_settings.contribution_weights
        if table is None:
            return None
        import torch

        from audiomcq_plugins.rewards import contribution_weights

        labels = [x.get("audio_contribution") for x in inputs]
        return torch.tensor(contribution_weights(labels, table), dtype=torch.float32)

    # --- forwards ---------------------------------------------------------------------------

    def _compute_loss(self, model: Any, inputs: dict[str, Any]) -> Any:
        previous = self._active_audio
        self._active_audio = _audio_from_inputs(inputs)
        try:
            return super()._compute_loss(model, inputs)
        finally:
            self._active_audio = previous

    def _get_per_token_logps_and_entropies(
        self,
        model: Any,
        input_ids: Any,
        attention_mask: Any,
        logits_to_keep: int,
        batch_size: int | None = None,
        compute_entropy: bool = False,
        compute_aux_loss: bool = False,
        **vision: Any,
    ) -> tuple[Any, Any, Any]:
        audio = self._active_audio
        if audio is None:
            return super()._get_per_token_logps_and_entropies(
                model,
                input_ids,
                attention_mask,
                logits_to_keep,
                batch_size,
                compute_entropy,
                compute_aux_loss,
                **vision,
            )
        import torch

        if len(audio) != input_ids.size(0):
            raise RuntimeError(
                f"audio rows ({len(audio)}) do not match the batch ({input_ids.size(0)} rows)"
            )
        if any(v is not None for v in vision.values()):
            raise NotImplementedError("images and audio in the same GRPO batch are not supported")
        batch_size = batch_size or input_ids.size(0)
        logps, entropies, aux_losses = [], [], []
        for start in range(0, input_ids.size(0), batch_size):
            end = min(start + batch_size, input_ids.size(0))
            ids, mask = input_ids[start:end], attention_mask[start:end]
            rows = audio.rows(start, end).to(ids.device)
            model_inputs = {"input_ids": ids, "attention_mask": mask, **rows.fields}
            if compute_aux_loss:
                model_inputs["output_router_logits"] = True
            # Only completion tokens are scored: prompt (and its audio placeholders) is -100.
            labels = ids.masked_fill(mask == 0, -100)
            labels[:, :-logits_to_keep] = -100
            with self.accelerator.autocast(), self._audio_reuse.clips(rows.clip_ids):
                outputs = model(**model_inputs, labels=labels, fused_lm_head=True)
            logps.append(outputs.log_probs[:, -logits_to_keep:])
            if compute_entropy:
                entropies.append(outputs.entropy[:, -logits_to_keep:])
            if compute_aux_loss:
                aux_losses.append(outputs.aux_loss)
        return (
            torch.cat(logps, dim=0),
            torch.cat(entropies, dim=0) if compute_entropy else None,
            torch.stack(aux_losses).mean() if compute_aux_loss else None,
        )


def _audio_from_inputs(inputs: dict[str, Any]) -> AudioBatch | None:
    if CLIP_IDS_KEY not in inputs:
        return None
    fields = {k[len(AUDIO_PREFIX) :]: v for k, v in inputs.items() if k.startswith(AUDIO_PREFIX)}
    return AudioBatch(fields, inputs[CLIP_IDS_KEY])


def _load_grpo_processor(model: Any) -> Any:
    from trl.trainer.utils import get_config_model_id

    from audiomcq_plugins.integrations.trl.loading import load_processor

    processor = load_processor(get_config_model_id(model.config))
    tokenizer = getattr(processor, "tokenizer", processor)
    tokenizer.padding_side = "left"  # as GRPOTrainer loads it
    tokenizer.truncation_side = "left"
    return processor


def _audio_token(model: Any, processor: Any) -> int | None:
    from audiomcq_plugins.integrations.trl.loading import audio_token_id

    return audio_token_id(model, processor)


def _dataset_has_audio(dataset: Any) -> bool:
    try:
        row = next(iter(dataset))
    except (StopIteration, TypeError):
        return False
    return isinstance(row, dict) and has_audio([row.get("prompt")])
