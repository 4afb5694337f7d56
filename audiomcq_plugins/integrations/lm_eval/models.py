"""lm-eval model classes ``audiomcq-hf``, ``audiomcq-vllm`` and ``audiomcq-api``.

Importing this module registers the three names in lm-eval's model registry (after importing
``lm_eval.models``: registering first would leave the registry non-empty, so lm-eval would
never load its built-in models). Building any of them installs the audio-safe cache key
(:mod:`.safety`), on a tested lm-eval only (:mod:`.compat`).

Requests: ``generate_until`` ``(context, gen_kwargs[, {"audio": [...]}])`` and
``loglikelihood`` ``(context, continuation[, {"audio": [...]}])``; audio entries are waveforms
(``{"array", "sampling_rate"}``) or our tasks' references (see :mod:`.tasks`). References
become clips of known length, decoded when their batch is encoded (overlapping the model), not
in a pass over the chunk before its first batch
(:func:`~audiomcq_plugins.models.requests.audio_source`); ``AUDIOMCQ_EVAL_FULL_DECODE=1``
restores that pass (for comparisons). Either way the batches are the same. The context is
the user turn: it goes through the model's chat template with the audio first, after the
``system_prompt``. Text-only likelihood requests are scored on the raw text (as lm-eval's
``hf`` model does), so text suites give their usual numbers. With ``--apply_chat_template``
the conversation lm-eval builds (few-shot turns, ``--system_instruction``) is used as is.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import lm_eval.models  # noqa: F401  (must run before register_model; see module docstring)
from lm_eval.api.model import LM
from lm_eval.api.registry import register_model
from tqdm.auto import tqdm

from audiomcq_plugins.benchmarks.spec import DEFAULT_MAX_NEW_TOKENS
from audiomcq_plugins.flags import parse_bool, reject_unknown
from audiomcq_plugins.integrations.lm_eval import safety
from audiomcq_plugins.integrations.lm_eval.distributed import DataParallel, placement
from audiomcq_plugins.integrations.lm_eval.model_args import (
    known_arguments,
    parameters,
)
from audiomcq_plugins.integrations.lm_eval.requests import CHAT_PREFIX, gen_settings, to_request
from audiomcq_plugins.models.requests import AudioRequest

#: Requests handed to the backend at a time (each chunk is length-sorted into batches on its
#: own): memory stays flat on long benchmarks.
CHUNK = 256


class AudioLMAdapter(LM):
    """Shared lm-eval plumbing: grouping by generation settings, chunks of requests,
    scrubbing waveforms from the logged requests. Subclasses set ``self.backend``."""

    MULTIMODAL = True
    backend: Any
    system_prompt: str | None
    max_new_tokens: int | None
    model_id: str

    def __init__(self) -> None:
        super().__init__()
        safety.install()  # when our model is used, not when this module is imported

    def _run_chunks(
        self,
        instances: Sequence[Any],
        build: Callable[[Any], AudioRequest],
        call: Callable[[list[AudioRequest], list[Any]], list[Any]],
        desc: str,
    ) -> list[Any]:
        results: list[Any] = []
        bar = tqdm(total=len(instances), desc=desc, disable=self.rank != 0)
        for start in range(0, len(instances), CHUNK):
            chunk = instances[start : start + CHUNK]
            reqs = [build(inst) for inst in chunk]
            results.extend(call(reqs, list(chunk)))
            for inst in chunk:
                safety.scrub(inst)
            bar.update(len(chunk))
        bar.close()
        return results

    def _backend_call(
        self, kind: str, chunk: list[Any], method: Callable, *args: Any, **kwargs: Any
    ) -> list[Any]:
        """``method(*args, **kwargs)`` for one chunk, each answer added to lm-eval's cache."""
        results = method(*args, **kwargs)
        for inst, result in zip(chunk, results, strict=True):
            self.cache_hook.add_partial(kind, inst.args, result)
        return results

    def generate_until(self, requests: list[Any], disable_tqdm: bool = False) -> list[str]:
        groups: dict[str, list[int]] = {}
        for i, inst in enumerate(requests):
            key = json.dumps(inst.args[1], sort_keys=True, default=str)
            groups.setdefault(key, []).append(i)
        out: list[str] = [""] * len(requests)
        for indices in groups.values():
            settings, until = gen_settings(requests[indices[0]].args[1], self.max_new_tokens)

            def build(inst: Any) -> AudioRequest:
                extra = inst.args[2] if len(inst.args) > 2 else None
                return to_request(inst.args[0], extra, system_prompt=self.system_prompt, chat=True)

            def call(
                reqs: list[AudioRequest], chunk: list[Any], until=until, settings=settings
            ) -> list[str]:
                return self._backend_call(
                    "generate_until", chunk, self.backend.generate, reqs, until=until, **settings
                )

            texts = self._run_chunks([requests[i] for i in indices], build, call, "generate")
            for i, text in zip(indices, texts, strict=True):
                out[i] = text
        return out

    def loglikelihood(
        self, requests: list[Any], disable_tqdm: bool = False
    ) -> list[tuple[float, bool]]:
        def build(inst: Any) -> AudioRequest:
            extra = inst.args[2] if len(inst.args) > 2 else None
            return to_request(inst.args[0], extra, system_prompt=self.system_prompt, chat=False)

        def call(reqs: list[AudioRequest], chunk: list[Any]) -> list[tuple[float, bool]]:
            conts = [inst.args[1] for inst in chunk]
            return self._backend_call(
                "loglikelihood", chunk, self.backend.loglikelihood, reqs, conts
            )

        return self._run_chunks(requests, build, call, "loglikelihood")

    def loglikelihood_rolling(self, requests: list[Any], disable_tqdm: bool = False) -> list:
        raise NotImplementedError(
            f"{type(self).__name__} does not compute rolling (perplexity) likelihoods; run "
            "perplexity tasks with lm-eval's `hf` model"
        )

    # -- chat templating (--apply_chat_template) -------------------------------------------

    def apply_chat_template(
        self, chat_history: list[dict[str, str]], add_generation_prompt: bool = True
    ) -> str:
        return CHAT_PREFIX + json.dumps(chat_history, ensure_ascii=False)

    def chat_template(self, chat_template: bool | str = False) -> str | None:
        return getattr(getattr(self.backend, "processor", None), "chat_template", None)

    @property
    def tokenizer_name(self) -> str:
        return self.model_id.replace("/", "__")


@register_model("audiomcq-hf")
class AudioMCQHF(DataParallel, AudioLMAdapter):
    """transformers audio LMs (Qwen2-Audio, Qwen2.5-Omni/Qwen3-Omni thinkers, any model whose
    processor takes ``audio=`` and whose chat template takes audio blocks).

    Under ``accelerate launch``/``torchrun`` each process evaluates its share of the documents
    (see :mod:`.distributed`); ``parallelize=True`` (with lm-eval's ``device_map``,
    ``max_memory_per_gpu``, ``max_cpu_memory``, ``offload_folder``) splits one model over the
    GPUs instead, as with lm-eval's ``hf`` model. ``prefetch_encoder=False`` runs the audio
    encoder inside the model's forward pass again (speed only; see
    :class:`~audiomcq_plugins.models.hf.HFAudioLM`)."""

    def __init__(
        self,
        pretrained: str,
        dtype: str = "auto",
        device: str = "auto",
        attn_implementation: str | None = None,
        batch_size: int | str = 8,
        max_new_tokens: int | None = None,
        system_prompt: str | None = None,
        trust_remote_code: bool = False,
        revision: str | None = None,
        max_batch_size: int | None = None,  # lm-eval passes it; batch_size rules here
        parallelize: bool = False,
        device_map: str | None = None,
        max_memory_per_gpu: int | str | None = None,
        max_cpu_memory: int | str | None = None,
        offload_folder: str | None = "./offload",
        prefetch_encoder: bool | str = True,
        **unknown: Any,
    ) -> None:
        reject_unknown("audiomcq-hf", unknown, known_arguments("audiomcq-hf"))
        if str(batch_size).startswith("auto"):
            raise ValueError(
                f"audiomcq-hf: batch_size={batch_size!r} is not supported (no search for the "
                "largest batch that fits): give a number, e.g. --batch_size 8"
            )
        super().__init__()
        from audiomcq_plugins.models.hf import HFAudioLM

        device = self._join_launch(device) or device
        load = placement(
            self,
            parallelize=parse_bool(parallelize, "parallelize"),
            device_map=device_map,
            max_memory_per_gpu=max_memory_per_gpu,
            max_cpu_memory=max_cpu_memory,
            offload_folder=offload_folder,
        )

        self.model_id = str(pretrained)
        self.system_prompt = system_prompt
        self.max_new_tokens = int(max_new_tokens) if max_new_tokens else None
        self.backend = HFAudioLM(
            pretrained,
            dtype=dtype,
            device=device,
            attn_implementation=attn_implementation,
            batch_size=int(batch_size),
            max_new_tokens=self.max_new_tokens or DEFAULT_MAX_NEW_TOKENS,
            system_prompt=system_prompt,
            trust_remote_code=bool(trust_remote_code),
            revision=revision,
            placement=load,
            prefetch_encoder=parse_bool(prefetch_encoder, "prefetch_encoder"),
        )

    @property
    def device(self) -> str:
        return self.backend.device


@register_model("audiomcq-vllm")
class AudioMCQVLLM(AudioLMAdapter):
    """vLLM with audio inputs (``tensor_parallel_size``, ``data_parallel_size`` and other
    engine arguments pass through). Needs ``pip install vllm``; vLLM is imported here only."""

    def __init__(
        self,
        pretrained: str,
        dtype: str = "auto",
        batch_size: int | str = 8,
        max_new_tokens: int | None = None,
        system_prompt: str | None = None,
        tensor_parallel_size: int = 1,
        data_parallel_size: int = 1,
        max_batch_size: int | None = None,
        device: str | None = None,
        **engine_args: Any,
    ) -> None:
        super().__init__()
        from audiomcq_plugins.models.vllm import VLLMAudioLM

        self.model_id = str(pretrained)
        self.system_prompt = system_prompt
        self.max_new_tokens = int(max_new_tokens) if max_new_tokens else None
        self.backend = VLLMAudioLM(
            pretrained,
            dtype=dtype,
            max_new_tokens=self.max_new_tokens or DEFAULT_MAX_NEW_TOKENS,
            system_prompt=system_prompt,
            tensor_parallel_size=int(tensor_parallel_size),
            data_parallel_size=int(data_parallel_size),
            **engine_args,
        )


@register_model("audiomcq-api")
class AudioMCQAPI(AudioLMAdapter):
    """An audio LM behind an OpenAI-compatible chat-completions API (``vllm serve``, SGLang,
    hosted models): ``base_url``, ``model``, ``api_key_env`` (the NAME of the environment
    variable holding the key), ``num_concurrent``, ``timeout``, ``max_retries``, ``backoff``.
    Each answer enters lm-eval's ``--use_cache`` as it arrives, so an interrupted run resumes."""

    def __init__(
        self,
        base_url: str,
        model: str,
        max_new_tokens: int | None = None,
        system_prompt: str | None = None,
        **options: Any,
    ) -> None:
        """``options``: :class:`~audiomcq_plugins.models.api.APIAudioLM`'s keyword arguments;
        lm-eval's own (:data:`HARNESS_ARGS`) mean nothing here and are dropped; anything else
        is an error naming it."""
        from audiomcq_plugins.models.api import APIAudioLM

        accepted = parameters(APIAudioLM)
        reject_unknown("audiomcq-api", options, known_arguments("audiomcq-api"))
        super().__init__()
        self.model_id = str(model)
        self.system_prompt = system_prompt
        self.max_new_tokens = int(max_new_tokens) if max_new_tokens else None
        self.backend = APIAudioLM(
            str(base_url),
            str(model),
            max_new_tokens=self.max_new_tokens or DEFAULT_MAX_NEW_TOKENS,
            system_prompt=system_prompt,
            **{k: v for k, v in options.items() if k in accepted},
        )

    def _backend_call(
        self, kind: str, chunk: list[Any], method: Callable, *args: Any, **kwargs: Any
    ) -> list[Any]:
        def cache(i: int, result: Any) -> None:
            self.cache_hook.add_partial(kind, chunk[i].args, result)

        return method(*args, on_result=cache, **kwargs)
