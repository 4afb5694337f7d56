"""Audio LMs through vLLM: batched generation with audio inputs.

:func:`build_inputs` turns :class:`~audiomcq_plugins.models.requests.AudioRequest` objects into
vLLM prompts (the model's chat template rendered by its transformers processor, audio as
``multi_modal_data``); it needs no vLLM and is unit-tested with the tiny models. vLLM itself is
imported only when :class:`VLLMAudioLM` is built.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from audiomcq_plugins.audio import SAMPLE_RATE
from audiomcq_plugins.benchmarks.spec import DEFAULT_MAX_NEW_TOKENS
from audiomcq_plugins.models.requests import AudioRequest, truncate_at_stops


def build_inputs(
    processor: Any, requests: Sequence[AudioRequest], system_prompt: str | None = None
) -> list[dict[str, Any]]:
    """vLLM ``generate`` inputs: ``{"prompt": text, "multi_modal_data": {"audio": [(array,
    SAMPLE_RATE), ...]}}`` (no ``multi_modal_data`` for text-only requests)."""
    out = []
    for req in requests:
        req = req.resolved()
        if req.chat:
            text = processor.apply_chat_template(
                req.chat_messages(system_prompt), tokenize=False, add_generation_prompt=True
            )
        else:
            text = req.text
        entry: dict[str, Any] = {"prompt": text}
        if req.audio:
            entry["multi_modal_data"] = {"audio": [(a, SAMPLE_RATE) for a in req.audio]}
        out.append(entry)
    return out


def sampling_kwargs(max_new_tokens: int, do_sample: bool = False, **gen: Any) -> dict[str, Any]:
    """transformers-style generation settings -> vLLM ``SamplingParams`` keyword arguments."""
    kwargs: dict[str, Any] = {"max_tokens": int(max_new_tokens)}
    if do_sample:
        for key in ("temperature", "top_p", "top_k"):
            if gen.get(key) is not None:
                kwargs[key] = gen[key]
    else:
        kwargs["temperature"] = 0.0
    return kwargs


def check_engine_args(vllm: Any, engine_args: dict[str, Any]) -> None:
    """Refuse an engine argument that ``vllm.EngineArgs`` does not have, by name with the
    closest one (vLLM would raise a bare ``TypeError`` deep in its start-up, or worse, a future
    release might accept and ignore it)."""
    import dataclasses

    from audiomcq_plugins.flags import reject_unknown

    known = [f.name for f in dataclasses.fields(vllm.EngineArgs)]
    reject_unknown("audiomcq-vllm (vLLM engine)", engine_args, known)


class VLLMAudioLM:
    """Generation with vLLM (``tensor_parallel_size``, ``data_parallel_size`` and other engine
    arguments pass through to ``vllm.LLM``, each checked against ``vllm.EngineArgs``).
    Automatic prefix caching is on unless ``enable_prefix_caching=false``: vLLM hashes
    multimodal inputs, so the silent-audio vote's probes, which share the system prompt and the
    same silent clip, prefill that prefix once. Log-likelihood scoring is not offered: use
    :class:`~audiomcq_plugins.models.hf.HFAudioLM` for the ``_loglik`` tasks."""

    def __init__(
        self,
        pretrained: str,
        *,
        dtype: str = "auto",
        max_new_tokens: int = DEFAULT_MAX_NEW_TOKENS,
        system_prompt: str | None = None,
        tensor_parallel_size: int = 1,
        data_parallel_size: int = 1,
        limit_audio_per_prompt: int = 4,
        **engine_args: Any,
    ) -> None:
        try:
            import vllm
        except ImportError as exc:
            raise ImportError(
                "audiomcq-vllm needs vLLM: pip install 'audiomcq-plugins[vllm]'"
            ) from exc
        from audiomcq_plugins.models.processors import load_processor

        self.processor = load_processor(pretrained)
        self.system_prompt = system_prompt
        self.max_new_tokens = max_new_tokens
        if data_parallel_size > 1:
            engine_args["data_parallel_size"] = data_parallel_size
        engine_args.setdefault("enable_prefix_caching", True)
        check_engine_args(vllm, engine_args)
        self._vllm = vllm
        self.llm = vllm.LLM(
            model=str(pretrained),
            dtype=dtype,
            tensor_parallel_size=tensor_parallel_size,
            limit_mm_per_prompt={"audio": limit_audio_per_prompt},
            **engine_args,
        )

    def generate(
        self,
        requests: Sequence[AudioRequest],
        *,
        max_new_tokens: int | None = None,
        until: Sequence[str] = (),
        do_sample: bool = False,
        **gen: Any,
    ) -> list[str]:
        params = self._vllm.SamplingParams(
            **sampling_kwargs(max_new_tokens or self.max_new_tokens, do_sample, **gen),
            stop=list(until) or None,
        )
        inputs = build_inputs(self.processor, requests, self.system_prompt)
        outputs = self.llm.generate(inputs, params, use_tqdm=False)
        return [truncate_at_stops(o.outputs[0].text, until) for o in outputs]

    def loglikelihood(self, requests: Sequence[AudioRequest], continuations: Sequence[str]):
        raise NotImplementedError(
            "audiomcq-vllm does not score options; run the *_loglik tasks with audiomcq-hf"
        )
