"""Our models in lmms-eval (simple models, through the ``lmms_eval.models`` entry point):
``audiomcq-hf`` (transformers), ``audiomcq-api`` (an OpenAI-compatible server) and
``audiomcq-vllm``, over the same backends as lm-eval's and lighteval's, so a task gives the
same answers in every harness.

Model arguments are the backend's own (``--model_args pretrained=DIR,batch_size=8,...``) plus
what lmms-eval passes to every model (``batch_size``, ``max_batch_size``, ``device``); anything
else is an error naming the argument and the closest valid one. Generation is greedy; the
task's ``max_new_tokens`` and ``until`` apply unless the model's ``max_new_tokens`` is set.
"""

from __future__ import annotations

import json
from typing import Any

from lmms_eval.api.model import lmms
from tqdm.auto import tqdm

from audiomcq_plugins.benchmarks.spec import DEFAULT_MAX_NEW_TOKENS
from audiomcq_plugins.flags import keyword_parameters, reject_unknown
from audiomcq_plugins.models.requests import AudioRequest, audio_source

#: Model arguments lmms-eval passes to every model, whether or not it uses them.
HARNESS_ARGS = ("batch_size", "max_batch_size", "device")
#: Requests resolved (audio decoded) at a time: memory stays flat on long benchmarks.
CHUNK = 256


class _AudioMCQLmms(lmms):
    """A simple lmms-eval model over one of our backends (:attr:`NAME`, :meth:`backend_class`)."""

    NAME = ""
    is_simple = True

    def __init__(self, **kwargs: Any) -> None:
        super().__init__()
        cls = self.backend_class()
        known = keyword_parameters(cls)
        reject_unknown(self.NAME, kwargs, [*known, *HARNESS_ARGS])
        args = {k: v for k, v in kwargs.items() if k in known and v is not None}
        if "batch_size" in args:
            if str(args["batch_size"]).startswith("auto"):
                raise ValueError(
                    f"{self.NAME}: batch_size={args['batch_size']!r} is not supported (no "
                    "search for the largest batch that fits): give a number"
                )
            args["batch_size"] = int(args["batch_size"])
        self.max_new_tokens = args.get("max_new_tokens")
        self.backend = cls(**args)
        self._rank, self._world_size = 0, 1

    @staticmethod
    def backend_class() -> type:
        raise NotImplementedError

    def _request(self, request: Any) -> AudioRequest:
        context, _gen, doc_to_visual, doc_id, task, split = request.args
        doc = self.task_dict[task][split][doc_id]
        audio = tuple(audio_source(a) for a in doc_to_visual(doc))
        return AudioRequest(context, audio)

    def generate_until(self, requests: list[Any]) -> list[str]:
        groups: dict[str, list[int]] = {}
        for i, request in enumerate(requests):
            gen = dict(request.args[1] or {})
            until = gen.get("until") or []
            until = [until] if isinstance(until, str) else list(until)
            max_new = self.max_new_tokens or gen.get("max_new_tokens") or DEFAULT_MAX_NEW_TOKENS
            groups.setdefault(json.dumps([int(max_new), until]), []).append(i)
        out: list[str | None] = [None] * len(requests)
        bar = tqdm(total=len(requests), desc="Model Responding", disable=self.rank != 0)
        for key, indices in groups.items():
            max_new, until = json.loads(key)
            for start in range(0, len(indices), CHUNK):
                chunk = indices[start : start + CHUNK]
                reqs = [self._request(requests[i]) for i in chunk]
                texts = self.backend.generate(reqs, max_new_tokens=max_new, until=until)
                for i, text in zip(chunk, texts, strict=True):
                    out[i] = text
                    self.cache_hook.add_partial("generate_until", requests[i].args[:2], text)
                bar.update(len(chunk))
        bar.close()
        return [t if t is not None else "" for t in out]

    def loglikelihood(self, requests: list[Any]) -> list[tuple[float, bool]]:
        raise NotImplementedError(
            f"{self.NAME} in lmms-eval generates answers only; score options by likelihood "
            "with the <task>_loglik tasks in lm-eval (audiomcq eval) or lighteval"
        )

    def generate_until_multi_round(self, requests: list[Any]) -> list[str]:
        raise NotImplementedError(f"{self.NAME} answers single-turn multiple-choice tasks")


class AudioMCQHF(_AudioMCQLmms):
    """``--model audiomcq-hf``: :class:`~audiomcq_plugins.models.hf.HFAudioLM`."""

    NAME = "audiomcq-hf"

    @staticmethod
    def backend_class() -> type:
        from audiomcq_plugins.models.hf import HFAudioLM

        return HFAudioLM


class AudioMCQAPI(_AudioMCQLmms):
    """``--model audiomcq-api``: :class:`~audiomcq_plugins.models.api.APIAudioLM`."""

    NAME = "audiomcq-api"

    @staticmethod
    def backend_class() -> type:
        from audiomcq_plugins.models.api import APIAudioLM

        return APIAudioLM


class AudioMCQVLLM(_AudioMCQLmms):
    """``--model audiomcq-vllm``: :class:`~audiomcq_plugins.models.vllm.VLLMAudioLM` (untested
    here: no GPU)."""

    NAME = "audiomcq-vllm"

    @staticmethod
    def backend_class() -> type:
        from audiomcq_plugins.models.vllm import VLLMAudioLM

        return VLLMAudioLM
