"""Audio LMs behind an OpenAI-compatible chat-completions API (vLLM, SGLang, hosted models).

Each :class:`~audiomcq_plugins.models.requests.AudioRequest` becomes one ``POST
{base_url}/chat/completions``; its clips travel as ``input_audio`` content parts (base64
WAV, 16 kHz mono, 16-bit PCM) before the text of the last user turn, as in the transformers
backend. Greedy by default (``temperature: 0``). Log-likelihoods use vLLM's ``prompt_logprobs``
extension (the option is sent as a continued assistant turn); a server without it gets a clear
"not supported". Standard library only: no torch, no HTTP package.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any

from audiomcq_plugins.benchmarks.spec import DEFAULT_MAX_NEW_TOKENS
from audiomcq_plugins.models.api_client import APIError, JSONClient, RetryPolicy
from audiomcq_plugins.models.api_format import (
    continuation_logprob,
    message_text,
    openai_messages,
    sampling_fields,
)
from audiomcq_plugins.models.requests import AudioRequest, truncate_at_stops

#: The OpenAI API takes at most this many stop strings; the rest are applied here.
MAX_STOPS = 4
#: Words in an HTTP 400 body that mark a server rejecting the audio itself.
AUDIO_WORDS = ("audio", "modalit", "multimodal", "input_audio")
LOGLIK_TASKS = "the *_loglik tasks (e.g. mmau_test_mini_loglik, audiomcq_synth_loglik)"


class AudioRejectedError(APIError):
    """The server does not take audio input for this model."""


class LoglikelihoodUnsupportedError(APIError):
    """The server returns no prompt log-probabilities."""


class APIAudioLM:
    """An audio LM served over an OpenAI-compatible chat-completions API.

    ``api_key_env`` names the environment variable holding the key (the key itself is never
    stored in results or logs). ``num_concurrent`` requests run at once; each is retried per
    ``max_retries``/``backoff`` on 429, 5xx, timeouts and dropped connections. Arguments
    given as strings (lm-eval's ``model_args``) are converted to their types here.
    """

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key_env: str | None = None,
        num_concurrent: int = 4,
        timeout: float = 300.0,
        max_retries: int = 5,
        backoff: float = 1.0,
        max_new_tokens: int = DEFAULT_MAX_NEW_TOKENS,
        system_prompt: str | None = None,
        max_tokens_field: str = "max_tokens",
        seed: int | None = None,
    ) -> None:
        if not str(base_url).startswith(("http://", "https://")):
            raise APIError(
                f"base_url={base_url!r} must start with http:// or https:// and usually ends "
                "in /v1, e.g. base_url=http://127.0.0.1:8000/v1"
            )
        key = None
        if api_key_env:
            key = os.environ.get(api_key_env)
            if not key:
                raise APIError(
                    f"api_key_env={api_key_env} but the environment variable {api_key_env} is "
                    "empty or unset: export it (the key is read from there, never from "
                    "model_args)"
                )
        self.client = JSONClient(
            base_url,
            api_key=key,
            timeout=float(timeout),
            retry=RetryPolicy(max_retries=int(max_retries), backoff=float(backoff)),
        )
        self.model = model
        self.num_concurrent = max(1, int(num_concurrent))
        self.max_new_tokens = int(max_new_tokens)
        self.system_prompt = system_prompt
        self.max_tokens_field = str(max_tokens_field)
        self.seed = None if seed is None else int(seed)

    def __repr__(self) -> str:
        return f"APIAudioLM(base_url={self.client.base_url!r}, model={self.model!r})"

    # -- generation --------------------------------------------------------------------------

    def generate(
        self,
        requests: Sequence[AudioRequest],
        *,
        max_new_tokens: int | None = None,
        until: Sequence[str] = (),
        do_sample: bool = False,
        on_result: Callable[[int, str], None] | None = None,
        **gen: Any,
    ) -> list[str]:
        """One completion per request, in request order. ``on_result(i, text)`` is called as
        each arrives (so a caller can cache it before a later request fails)."""
        fields = sampling_fields(
            max_new_tokens or self.max_new_tokens, do_sample, self.max_tokens_field, **gen
        )
        if until:
            fields["stop"] = list(until)[:MAX_STOPS]
        if self.seed is not None:
            fields["seed"] = int(self.seed)

        def one(req: AudioRequest) -> str:
            answer = self._chat({**fields, "messages": openai_messages(req, self.system_prompt)})
            return truncate_at_stops(message_text(answer), until)

        return self._map(one, requests, on_result)

    # -- scoring -----------------------------------------------------------------------------

    def loglikelihood(
        self,
        requests: Sequence[AudioRequest],
        continuations: Sequence[str],
        *,
        on_result: Callable[[int, tuple[float, bool]], None] | None = None,
    ) -> list[tuple[float, bool]]:
        """log P(continuation | request) from the server's prompt log-probs (vLLM's
        ``prompt_logprobs``): the continuation is sent as the start of the assistant's turn."""
        if len(requests) != len(continuations):
            raise ValueError(f"{len(requests)} requests but {len(continuations)} continuations")
        for req in requests:
            if not req.chat:
                raise LoglikelihoodUnsupportedError(
                    "audiomcq-api scores options inside the chat template only; run text-only "
                    "likelihood tasks with lm-eval's own models"
                )
        jobs = list(zip(requests, continuations, strict=True))

        def one(job: tuple[AudioRequest, str]) -> tuple[float, bool]:
            req, cont = job
            messages = openai_messages(req, self.system_prompt)
            messages.append({"role": "assistant", "content": cont})
            payload = {
                "messages": messages,
                self.max_tokens_field: 1,
                "temperature": 0.0,
                "prompt_logprobs": 0,
                "add_generation_prompt": False,
                "continue_final_message": True,
            }
            answer = self._chat(payload, scoring=True)
            entries = answer.get("prompt_logprobs")
            if not entries:
                raise LoglikelihoodUnsupportedError(
                    f"{self.client.base_url} returned no prompt_logprobs for model {self.model}: "
                    f"log-likelihood scoring is not supported there, so {LOGLIK_TASKS} cannot "
                    "run; serve the model with vLLM, or use the generative tasks"
                )
            return continuation_logprob(entries, cont)

        return self._map(one, jobs, on_result)

    # -- plumbing ----------------------------------------------------------------------------

    def _chat(self, payload: dict[str, Any], scoring: bool = False) -> dict[str, Any]:
        try:
            return self.client.post("/chat/completions", {"model": self.model, **payload})
        except APIError as exc:
            if exc.status == 400 and scoring and "prompt_logprobs" in exc.body:
                raise LoglikelihoodUnsupportedError(
                    f"{self.client.base_url} rejected prompt_logprobs: log-likelihood scoring is "
                    f"not supported there, so {LOGLIK_TASKS} cannot run. Server said: "
                    f"{exc.body[:300]}",
                    exc.status,
                    exc.body,
                ) from None
            if exc.status in (400, 415, 422) and any(w in exc.body.lower() for w in AUDIO_WORDS):
                raise AudioRejectedError(
                    f"{self.client.base_url} rejected the audio input for model {self.model} "
                    f"(HTTP {exc.status}): serve an audio-capable model (e.g. vllm serve "
                    "Qwen/Qwen2-Audio-7B-Instruct) or check that the endpoint takes "
                    f"input_audio parts. Server said: {exc.body[:300]}",
                    exc.status,
                    exc.body,
                ) from None
            raise

    def _map(
        self, fn: Callable[[Any], Any], jobs: Sequence[Any], on_result: Callable | None
    ) -> list[Any]:
        """``fn`` over ``jobs`` with ``num_concurrent`` threads. On the first failure the
        remaining jobs are abandoned, the answers already received still reach
        ``on_result``, and the error is raised."""
        out: list[Any] = [None] * len(jobs)
        failure: BaseException | None = None
        stop = self.client.stop
        stop.clear()
        pool = ThreadPoolExecutor(self.num_concurrent, thread_name_prefix="audiomcq-api")
        futures = {pool.submit(fn, job): i for i, job in enumerate(jobs)}
        try:
            for future in as_completed(futures):
                if future.cancelled():
                    continue
                if future.exception() is not None:
                    failure = failure or future.exception()
                    stop.set()  # waiting retries give up; queued jobs never start
                    for other in futures:
                        other.cancel()
                    continue
                out[futures[future]] = future.result()
                if on_result is not None:
                    on_result(futures[future], future.result())
        except BaseException:  # Ctrl-C: send nothing more
            stop.set()
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            stop.clear()
        if failure is not None:
            raise failure
        return out
