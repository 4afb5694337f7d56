"""lm-eval requests -> :class:`~audiomcq_plugins.models.requests.AudioRequest` and backend
generation settings, for the model classes of :mod:`.models` (no lm-eval import here).

A request's context is the user turn, or (``CHAT_PREFIX`` + JSON) the conversation our
``apply_chat_template`` built; its audio entries become clips decoded when their batch is
encoded (:func:`~audiomcq_plugins.models.requests.audio_source`), or all at once with
``AUDIOMCQ_EVAL_FULL_DECODE=1`` (for comparisons).
"""

from __future__ import annotations

import json
import os
from typing import Any

from audiomcq_plugins.benchmarks.spec import DEFAULT_MAX_NEW_TOKENS
from audiomcq_plugins.flags import parse_bool
from audiomcq_plugins.models.requests import AudioRequest, audio_source, resolve_audio

#: Marks a context produced by our ``apply_chat_template`` (a JSON conversation follows).
CHAT_PREFIX = "\x00audiomcq-chat\x00"
FULL_DECODE_ENV = "AUDIOMCQ_EVAL_FULL_DECODE"


def full_decode() -> bool:
    """Whether every clip of a chunk is decoded before its first batch
    (``$AUDIOMCQ_EVAL_FULL_DECODE``, the old behaviour)."""
    return parse_bool(os.environ.get(FULL_DECODE_ENV) or None, FULL_DECODE_ENV, False)


def to_request(
    context: str, extra: dict[str, Any] | None, *, system_prompt: str | None, chat: bool
) -> AudioRequest:
    """An lm-eval request's context and multimodal argument -> :class:`AudioRequest`."""
    source = resolve_audio if full_decode() else audio_source
    audio = tuple(source(entry) for entry in (extra or {}).get("audio", []) or [])
    if context.startswith(CHAT_PREFIX):
        turns = tuple(json.loads(context[len(CHAT_PREFIX) :]))
        return AudioRequest("", audio, system_prompt=system_prompt, messages=turns)
    return AudioRequest(context, audio, system_prompt=system_prompt, chat=chat or bool(audio))


def gen_settings(
    gen_kwargs: dict[str, Any], override_max: int | None
) -> tuple[dict[str, Any], list]:
    """lm-eval generation kwargs -> backend settings; a model-level ``max_new_tokens`` wins
    over the task's ``max_gen_toks``."""
    kwargs = dict(gen_kwargs)
    until = kwargs.pop("until", None) or []
    until = [until] if isinstance(until, str) else list(until)
    task_max = kwargs.pop("max_gen_toks", DEFAULT_MAX_NEW_TOKENS)
    settings: dict[str, Any] = {
        "max_new_tokens": int(override_max or task_max),
        "do_sample": bool(kwargs.pop("do_sample", False)),
    }
    for key in ("temperature", "top_p", "top_k"):
        if key in kwargs:
            settings[key] = kwargs.pop(key)
    if settings.get("temperature") == 0:
        settings["do_sample"] = False
    return settings, until
