"""Audio language models through transformers: batched generation and option scoring.

:class:`HFAudioLM` serves Qwen2-Audio, the Qwen2.5-Omni and Qwen3-Omni thinkers (loaded from full
Omni checkpoints; the talker is never loaded) and any model whose processor takes ``audio=`` and
whose chat template takes ``{"type": "audio", "audio": array}`` blocks. Requests are
:class:`~audiomcq_plugins.models.requests.AudioRequest`; text-only requests work. Batches are
length-sorted (by clip lengths known before decoding, see :mod:`audiomcq_plugins.clips`) and
left-padded; the next batch is prepared (clips decoded, features and tokens, the audio encoder:
:mod:`.encoder_prefetch`) in a background thread while the model runs the current one
(:mod:`.batching`). Loading: :mod:`.loading`;
continuation scoring: :mod:`.loglik`. torch and transformers are imported when a model is built.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from audiomcq_plugins.audio import SAMPLE_RATE
from audiomcq_plugins.benchmarks.spec import DEFAULT_MAX_NEW_TOKENS
from audiomcq_plugins.models.batching import BatchPipeline, default_prefetch, time_forward_calls
from audiomcq_plugins.models.loading import load_model, resolve_device
from audiomcq_plugins.models.loglik import (
    append_continuations,
    continuation_ids,
    score_continuations,
)
from audiomcq_plugins.models.processors import trimmed_audio_kwargs, trims_audio
from audiomcq_plugins.models.requests import AudioRequest, truncate_at_stops


def generation_settings(
    max_new_tokens: int, do_sample: bool, pad_token_id: int | None, gen_kwargs: dict[str, Any]
) -> dict[str, Any]:
    """``generate()`` keyword arguments; sampling parameters are dropped when greedy."""
    settings = {
        "max_new_tokens": max_new_tokens,
        "do_sample": do_sample,
        "pad_token_id": pad_token_id,
        **gen_kwargs,
    }
    if not do_sample:
        for key in ("temperature", "top_p", "top_k"):
            settings.pop(key, None)
    return settings


class HFAudioLM(BatchPipeline):
    """A transformers audio LM with batched generation and log-likelihood scoring.

    ``batch_size`` requests go through one forward; ``max_new_tokens`` is the default
    generation budget; ``system_prompt`` applies to requests that carry none. ``trim_audio``
    (see :data:`TRIMMED_AUDIO_PROCESSORS`) and ``prefetch`` (encode the next batch in a
    background thread while the model runs; default: :func:`default_prefetch`) change speed
    only, never results; so do ``reuse_features`` (features of a batch that repeats one clip,
    as silent runs do, are computed once: :mod:`~audiomcq_plugins.models.feature_cache`),
    ``reuse_prefix`` (the prompt prefix that a batch's probes share, system prompt and silent
    clip, is run once and only each probe's question is prefilled:
    :mod:`~audiomcq_plugins.models.prefix_reuse`) and ``prefetch_encoder`` (the audio encoder
    runs in the encoding step, so with ``prefetch`` it overlaps the model too:
    :mod:`~audiomcq_plugins.models.encoder_prefetch`; never when ``placement`` splits the
    model). Clips not yet decoded (:class:`~audiomcq_plugins.clips.Clip`) are decoded in the
    encoding step as well. With ``profile=True``,
    :attr:`forward_seconds` accumulates the time spent inside the model's forward passes
    (synchronising CUDA), for throughput measurements. Always kept: :attr:`encode_seconds`
    (encoding batches, in the background when prefetching), :attr:`encode_wait_seconds` (the
    batch loop encoding or waiting for an encoded batch) and :attr:`run_seconds` (in
    ``generate()``/forward calls, forward passes included). ``placement`` (``device_map``,
    ``max_memory``, ...: see :func:`~audiomcq_plugins.models.loading.load_model`) splits the
    model over devices; inputs then go to the device of its first layers.
    """

    def __init__(
        self,
        pretrained: str | Path,
        *,
        dtype: Any = "auto",
        device: str = "auto",
        attn_implementation: str | None = None,
        batch_size: int = 8,
        max_new_tokens: int = DEFAULT_MAX_NEW_TOKENS,
        system_prompt: str | None = None,
        trust_remote_code: bool = False,
        revision: str | None = None,
        trim_audio: bool = True,
        prefetch: bool | None = None,
        profile: bool = False,
        reuse_features: bool = True,
        reuse_prefix: bool = True,
        prefetch_encoder: bool = True,
        placement: dict[str, Any] | None = None,
    ) -> None:
        from audiomcq_plugins.models import encoder_prefetch, feature_cache, prefix_reuse
        from audiomcq_plugins.models.processors import load_processor

        self.pretrained = str(pretrained)
        self.device = resolve_device(device)
        self.model = load_model(
            pretrained,
            dtype=dtype,
            device=self.device,
            attn_implementation=attn_implementation,
            trust_remote_code=trust_remote_code,
            revision=revision,
            placement=placement,
        )
        if placement:  # inputs go where the model's first layers are
            self.device = str(self.model.device)
        kwargs: dict[str, Any] = {"trust_remote_code": True} if trust_remote_code else {}
        if revision:
            kwargs["revision"] = revision
        self.processor = load_processor(pretrained, **kwargs)
        if reuse_features:  # silent runs: one clip for every item (see feature_cache)
            feature_cache.install(self.processor)
            feature_cache.install_encoder(self.model)
        # not when the model is split over devices: its inputs move between them
        self.encoder_prefetch = (
            encoder_prefetch.install(self.model) if prefetch_encoder and not placement else None
        )
        self.tokenizer = getattr(self.processor, "tokenizer", self.processor)
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        # silent/noise probes: their shared prompt prefix is run once (see prefix_reuse)
        self.prefix_reuse = (
            prefix_reuse.install(self.model, self.tokenizer.pad_token_id)
            if reuse_prefix and not placement
            else None
        )
        self.batch_size = max(1, int(batch_size))
        self.max_new_tokens = int(max_new_tokens)
        self.system_prompt = system_prompt
        self.trim_audio = trim_audio and trims_audio(self.processor)
        self.prefetch = default_prefetch(self.device) if prefetch is None else prefetch
        self.forward_seconds = 0.0
        self.forward_calls = 0
        self.encode_seconds = 0.0
        self.encode_wait_seconds = 0.0
        self.run_seconds = 0.0
        if profile:
            time_forward_calls(self, self.model, self.device)

    # -- building inputs ---------------------------------------------------------------------

    def prompt_text(self, request: AudioRequest, *, add_generation_prompt: bool = True) -> str:
        """The text the processor receives (chat template applied, audio placeholders in)."""
        if not request.chat:
            return request.text
        template_owner = self.processor
        if getattr(template_owner, "chat_template", None) is None:
            raise ValueError(
                f"{self.pretrained} has no chat template; audio requests need one that takes "
                '{"type": "audio"} content blocks'
            )
        return template_owner.apply_chat_template(
            request.chat_messages(self.system_prompt),
            tokenize=False,
            add_generation_prompt=add_generation_prompt,
        )

    def encode(self, requests: Sequence[AudioRequest], texts: Sequence[str] | None = None) -> Any:
        """Processor outputs for a batch (left padding), on the model's device; clips not yet
        decoded are decoded here (with prefetch, in the background while the model runs)."""
        start = time.perf_counter()
        requests = [r.resolved() for r in requests]
        texts = list(texts) if texts is not None else [self.prompt_text(r) for r in requests]
        clips = [clip for r in requests for clip in r.audio]
        kwargs: dict[str, Any] = {"text": texts, "return_tensors": "pt", "padding": True}
        if clips:
            kwargs["audio"] = clips
            kwargs["sampling_rate"] = SAMPLE_RATE
            if self.trim_audio:
                kwargs.update(trimmed_audio_kwargs(self.processor, clips))
        if not any(r.chat for r in requests):
            kwargs["add_special_tokens"] = False
        batch = self.processor(**kwargs).to(self.device)
        self.encode_seconds += time.perf_counter() - start
        return batch

    def prepare(self, requests: Sequence[AudioRequest], generating: bool = False) -> Any:
        """:meth:`encode`, then the audio encoder on the batch when the model's is prefetched
        (:mod:`.encoder_prefetch`): the batch loop's encoding step. Not for a generation batch
        whose shared prefix is reused: its audio is in the prefix's cache."""
        batch = self.encode(requests)
        reused = generating and self.prefix_reuse is not None and self.prefix_reuse.applies(batch)
        if self.encoder_prefetch is not None and not reused:
            start = time.perf_counter()
            self.encoder_prefetch.run(batch)
            self.encode_seconds += time.perf_counter() - start
        return batch

    # -- generation --------------------------------------------------------------------------

    def generate(
        self,
        requests: Sequence[AudioRequest],
        *,
        max_new_tokens: int | None = None,
        until: Sequence[str] = (),
        do_sample: bool = False,
        progress: bool = False,
        **gen_kwargs: Any,
    ) -> list[str]:
        """Generate one completion per request (greedy by default), in request order."""
        import torch
        from tqdm.auto import tqdm

        out: list[str | None] = [None] * len(requests)
        bar = tqdm(total=len(requests), desc="generate", disable=not progress)
        budget = max_new_tokens or self.max_new_tokens
        settings = generation_settings(budget, do_sample, self.tokenizer.pad_token_id, gen_kwargs)

        def run(batch: Any) -> Any:
            with torch.inference_mode():
                inputs = self.prefix_reuse.inputs(batch) if self.prefix_reuse else batch
                generated = self.model.generate(**inputs, **settings)
            return generated[:, inputs["input_ids"].shape[1] :]

        def finish(idx: list[int], new: Any) -> None:
            texts = self.tokenizer.batch_decode(new, skip_special_tokens=True)
            for i, text in zip(idx, texts, strict=True):
                out[i] = truncate_at_stops(text, until)
            bar.update(len(idx))

        def prepare(idx: list[int]) -> Any:
            return self.prepare([requests[i] for i in idx], generating=True)

        self._pipeline(requests, prepare, run, finish)
        bar.close()
        return [t if t is not None else "" for t in out]

    # -- scoring -----------------------------------------------------------------------------

    def loglikelihood(
        self,
        requests: Sequence[AudioRequest],
        continuations: Sequence[str],
        *,
        progress: bool = False,
    ) -> list[tuple[float, bool]]:
        """log P(continuation | request) and whether it is the greedy continuation.

        The context is the request's prompt (chat template with the generation prompt when
        ``chat``); the continuation is tokenized on its own and appended, as lm-eval does.
        """
        from tqdm.auto import tqdm

        if len(requests) != len(continuations):
            raise ValueError(
                f"{len(requests)} requests but {len(continuations)} continuations; pass one each"
            )
        results: list[tuple[float, bool] | None] = [None] * len(requests)
        bar = tqdm(total=len(requests), desc="loglikelihood", disable=not progress)
        pad = self.tokenizer.pad_token_id

        def prepare(idx: list[int]) -> tuple[Any, list[list[int]], int]:
            batch = self.prepare([requests[i] for i in idx])
            conts = continuation_ids(self.tokenizer, continuations, idx)
            return batch, conts, append_continuations(batch, conts, pad, self.device)

        def run(prepared: tuple[Any, list[list[int]], int]) -> list[tuple[float, bool]]:
            return score_continuations(self.model, *prepared)

        def finish(idx: list[int], scores: list[tuple[float, bool]]) -> None:
            for i, score in zip(idx, scores, strict=True):
                results[i] = score
            bar.update(len(idx))

        self._pipeline(requests, prepare, run, finish)
        bar.close()
        return [r if r is not None else (float("-inf"), False) for r in results]

    def score_options(self, request: AudioRequest, options: Sequence[str]) -> list[float]:
        """Log-likelihood of each option as the assistant's answer to ``request``."""
        return [lp for lp, _ in self.loglikelihood([request] * len(options), list(options))]
