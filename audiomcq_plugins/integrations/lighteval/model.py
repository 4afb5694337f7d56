"""The audio model for lighteval: the same transformers / vLLM backends as lm-eval's
``audiomcq-hf`` / ``audiomcq-vllm``, fed the audio our tasks reference in ``Doc.specific``.

Two ways to build it:

- Python: ``AudioMCQModel(AudioMCQModelConfig(model_name="DIR", batch_size=8))`` passed as
  ``Pipeline(model=...)``;
- ``lighteval custom MODEL_ARGS "$(audiomcq lighteval-model-file)" TASKS``, where MODEL_ARGS
  is a checkpoint (``Qwen/Qwen2.5-Omni-7B``) or ``pretrained=DIR,batch_size=8,dtype=bfloat16``
  (lighteval's custom route passes only a name).

Generation is greedy; ``max_new_tokens`` (when set) wins over the task's generation size, as
in lm-eval. Log-likelihood scores each option as the continuation of the prompt. Documents
without audio (text tasks in the same run) are sent without audio: generation through the
chat template, likelihood on the raw text, as our lm-eval models do. Results go through
lighteval's sample cache (keyed by this config and the task config).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from lighteval.models.abstract_model import LightevalModel, ModelConfig
from lighteval.models.model_output import ModelResponse
from lighteval.tasks.prompt_manager import PromptManager
from lighteval.tasks.requests import Doc, SamplingMethod
from lighteval.utils.cache_management import SampleCache, cached
from tqdm.auto import tqdm

from audiomcq_plugins.benchmarks.spec import DEFAULT_MAX_NEW_TOKENS
from audiomcq_plugins.flags import reject_unknown
from audiomcq_plugins.integrations.lighteval import compat
from audiomcq_plugins.models.requests import AudioRequest, audio_source

#: Documents resolved (audio decoded) at a time: memory stays flat on long benchmarks.
CHUNK = 256
BACKENDS = ("hf", "vllm", "api")


class AudioMCQModelConfig(ModelConfig):
    """``model_name``: a local checkpoint or Hub id (with ``backend=api``: the served model's
    name); ``backend``: ``hf``, ``vllm`` or ``api`` (an OpenAI-compatible server at
    ``base_url``, as ``audiomcq-api``); the rest as ``audiomcq-hf``'s / ``audiomcq-api``'s model
    arguments. ``system_prompt`` and ``cache_dir`` are lighteval's."""

    model_name: str
    backend: str = "hf"
    dtype: str = "auto"
    device: str = "auto"
    batch_size: int = 8
    max_new_tokens: int | None = None
    attn_implementation: str | None = None
    trust_remote_code: bool = False
    revision: str | None = None
    tensor_parallel_size: int = 1
    data_parallel_size: int = 1
    base_url: str | None = None
    api_key_env: str | None = None
    num_concurrent: int = 4
    timeout: float = 300.0
    max_retries: int = 5

    @classmethod
    def from_args(cls, args: str) -> AudioMCQModelConfig:
        """``DIR`` or ``pretrained=DIR,key=value,...`` (``pretrained`` = ``model_name``)."""
        if "=" not in args:
            return cls(model_name=args)
        parsed = cls._parse_args(args)
        reject_unknown("audiomcq lighteval model", parsed, [*cls.model_fields, "pretrained"])
        if "pretrained" in parsed:
            parsed["model_name"] = parsed.pop("pretrained")
        return cls(**parsed)


def _backend(config: AudioMCQModelConfig) -> Any:
    common = {
        "dtype": config.dtype,
        "max_new_tokens": config.max_new_tokens or DEFAULT_MAX_NEW_TOKENS,
        "system_prompt": config.system_prompt,
    }
    if config.backend == "vllm":
        from audiomcq_plugins.models.vllm import VLLMAudioLM

        return VLLMAudioLM(
            config.model_name,
            tensor_parallel_size=config.tensor_parallel_size,
            data_parallel_size=config.data_parallel_size,
            **common,
        )
    if config.backend == "api":
        from audiomcq_plugins.models.api import APIAudioLM

        if not config.base_url:
            raise ValueError("backend=api needs base_url=http://HOST:PORT/v1 (the server)")
        return APIAudioLM(
            config.base_url,
            config.model_name,
            api_key_env=config.api_key_env,
            num_concurrent=config.num_concurrent,
            timeout=config.timeout,
            max_retries=config.max_retries,
            max_new_tokens=common["max_new_tokens"],
            system_prompt=config.system_prompt,
        )
    if config.backend != "hf":
        raise ValueError(f"backend must be one of {BACKENDS}, not {config.backend!r}")
    from audiomcq_plugins.models.hf import HFAudioLM

    return HFAudioLM(
        config.model_name,
        device=config.device,
        attn_implementation=config.attn_implementation,
        batch_size=config.batch_size,
        trust_remote_code=config.trust_remote_code,
        revision=config.revision,
        **common,
    )


class AudioMCQModel(LightevalModel):
    """A lighteval model over :class:`~audiomcq_plugins.models.hf.HFAudioLM` (or vLLM).

    ``backend``: an already built backend to use instead of loading ``config.model_name``
    (anything with ``generate`` / ``loglikelihood`` over
    :class:`~audiomcq_plugins.models.requests.AudioRequest`, e.g. one shared with lm-eval)."""

    def __init__(self, config: ModelConfig, backend: Any = None) -> None:
        compat.install()  # a Pipeline built after this model gets the offline registry fix
        if not isinstance(config, AudioMCQModelConfig):  # lighteval custom: a name only
            config = AudioMCQModelConfig.from_args(config.model_name)
        self.config = config
        self.backend = backend if backend is not None else _backend(config)
        self.prompt_manager = PromptManager(use_chat_template=False)
        self._cache = SampleCache(config)

    # -- what LightevalModel asks for ----------------------------------------------------------

    @property
    def tokenizer(self) -> Any:
        return getattr(self.backend, "tokenizer", None)

    @property
    def add_special_tokens(self) -> bool:
        return False

    @property
    def max_length(self) -> int:
        model = getattr(self.backend, "model", None)
        text = getattr(getattr(model, "config", None), "get_text_config", lambda: None)()
        return int(getattr(text, "max_position_embeddings", 0) or 32768)

    # -- requests ------------------------------------------------------------------------------

    def _request(self, doc: Doc, *, generate: bool) -> AudioRequest:
        """A document -> request: the audio its ``specific`` references, the prompt (few-shot
        examples and instruction as turns when there are any)."""
        refs = (doc.specific or {}).get("audio") or []
        audio = tuple(audio_source(ref) for ref in refs)
        system = self.config.system_prompt
        if generate and (doc.fewshot_samples or doc.instruction):
            turns = PromptManager(use_chat_template=True).prepare_prompt_api(doc)
            return AudioRequest("", audio, system_prompt=system, messages=tuple(turns))
        text = self.prompt_manager.prepare_prompt(doc)
        return AudioRequest(text, audio, system_prompt=system, chat=generate or bool(audio))

    def _run_chunks(
        self, docs: Sequence[Doc], call: Callable[[list[Doc]], list[Any]], desc: str
    ) -> list[Any]:
        out: list[Any] = []
        bar = tqdm(total=len(docs), desc=desc, disable=self.disable_tqdm)
        for start in range(0, len(docs), CHUNK):
            chunk = list(docs[start : start + CHUNK])
            out.extend(call(chunk))
            bar.update(len(chunk))
        bar.close()
        return out

    @cached(SamplingMethod.GENERATIVE)
    def greedy_until(self, docs: list[Doc]) -> list[ModelResponse]:
        groups: dict[str, list[int]] = {}
        for i, doc in enumerate(docs):
            if doc.num_samples > 1:
                raise ValueError(
                    f"task {doc.task_name} asks for {doc.num_samples} samples per document; "
                    "AudioMCQModel generates one greedy answer (use a single-sample metric)"
                )
            max_new = self.config.max_new_tokens or doc.generation_size or DEFAULT_MAX_NEW_TOKENS
            key = json.dumps([max_new, list(doc.stop_sequences or [])])
            groups.setdefault(key, []).append(i)
        out: list[ModelResponse | None] = [None] * len(docs)
        for key, indices in groups.items():
            max_new, until = json.loads(key)

            def call(chunk: list[Doc], max_new=max_new, until=until) -> list[str]:
                reqs = [self._request(doc, generate=True) for doc in chunk]
                return self.backend.generate(reqs, max_new_tokens=max_new, until=until)

            texts = self._run_chunks([docs[i] for i in indices], call, "generate")
            for i, text in zip(indices, texts, strict=True):
                out[i] = ModelResponse(input=docs[i].query, text=[text])
        return [r for r in out if r is not None]

    @cached(SamplingMethod.LOGPROBS)
    def loglikelihood(self, docs: list[Doc]) -> list[ModelResponse]:
        def call(chunk: list[Doc]) -> list[ModelResponse]:
            reqs, conts, owners = [], [], []
            for j, doc in enumerate(chunk):
                request = self._request(doc, generate=False)
                for choice in doc.choices:
                    reqs.append(request)
                    conts.append(choice)
                    owners.append(j)
            scores = self.backend.loglikelihood(reqs, conts)
            per_doc: list[list[tuple[float, bool]]] = [[] for _ in chunk]
            for j, score in zip(owners, scores, strict=True):
                per_doc[j].append(score)
            return [
                ModelResponse(
                    input=doc.query,
                    logprobs=[float(lp) for lp, _ in s],
                    argmax_logits_eq_gold=[bool(g) for _, g in s],
                )
                for doc, s in zip(chunk, per_doc, strict=True)
            ]

        return self._run_chunks(docs, call, "loglikelihood")

    def loglikelihood_rolling(self, docs: list[Doc]) -> list[ModelResponse]:
        raise NotImplementedError(
            "AudioMCQModel does not compute rolling (perplexity) likelihoods; run perplexity "
            "tasks with lighteval's transformers model"
        )
