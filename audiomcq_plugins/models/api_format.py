"""The chat-completions wire format of :mod:`audiomcq_plugins.models.api`: a request as messages
with ``input_audio`` parts (base64 WAV), sampling fields, continuation log-probs from vLLM's
``prompt_logprobs``, and the text of an answer. Standard library and numpy only."""

from __future__ import annotations

import base64
import io
import wave
from collections.abc import Sequence
from typing import Any

import numpy as np

from audiomcq_plugins.audio import SAMPLE_RATE
from audiomcq_plugins.models.api_client import APIError
from audiomcq_plugins.models.requests import AudioRequest


def wav_base64(clip: np.ndarray) -> str:
    """A float clip in [-1, 1] at 16 kHz -> base64 of a 16-bit PCM mono WAV file. Clips read
    from 16-bit files round-trip exactly (scaled by 32768, as soundfile reads them)."""
    pcm = np.clip(np.round(np.asarray(clip, dtype=np.float64) * 32768.0), -32768, 32767)
    buf = io.BytesIO()
    with wave.open(buf, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(pcm.astype("<i2").tobytes())
    return base64.b64encode(buf.getvalue()).decode("ascii")


def openai_messages(request: AudioRequest, system_prompt: str | None) -> list[dict[str, Any]]:
    """The request as chat-completions messages with ``input_audio`` parts (clips decoded
    here, in the request's worker thread)."""
    out = []
    for turn in request.resolved().chat_messages(system_prompt):
        parts = []
        for block in turn["content"]:
            if block.get("type") == "audio":
                audio = {"data": wav_base64(block["audio"]), "format": "wav"}
                parts.append({"type": "input_audio", "input_audio": audio})
            else:
                parts.append({"type": "text", "text": block.get("text", "")})
        if turn["role"] != "user" and all(p["type"] == "text" for p in parts):
            out.append({"role": turn["role"], "content": "".join(p["text"] for p in parts)})
        else:
            out.append({"role": turn["role"], "content": parts})
    return out


def sampling_fields(
    max_new_tokens: int, do_sample: bool, max_tokens_field: str, **gen: Any
) -> dict[str, Any]:
    """transformers-style generation settings -> chat-completions fields (greedy unless
    ``do_sample``; ``top_k`` is a vLLM/SGLang extension, sent only when asked for)."""
    fields: dict[str, Any] = {max_tokens_field: int(max_new_tokens)}
    if not do_sample:
        fields["temperature"] = 0.0
        return fields
    for key in ("temperature", "top_p", "top_k"):
        if gen.get(key) is not None:
            fields[key] = gen[key]
    return fields


def continuation_logprob(entries: Sequence[Any], continuation: str) -> tuple[float, bool]:
    """Sum the prompt log-probs of the trailing tokens that spell ``continuation``.

    ``entries`` is vLLM's ``prompt_logprobs``: per prompt token ``None`` or ``{token_id:
    {"logprob", "rank", "decoded_token"}}`` holding the prompt token itself. Tokens are taken
    from the end until their text covers the continuation; greedy means every rank is 1."""
    total, greedy, text = 0.0, True, ""
    for entry in reversed(entries):
        if len(text) >= len(continuation):
            break
        if not entry:
            raise APIError("prompt_logprobs ran out before the continuation was covered")
        if len(entry) != 1:
            raise APIError(
                f"prompt_logprobs entry {entry} holds {len(entry)} tokens; expected the prompt "
                "token only (prompt_logprobs=0)"
            )
        (info,) = entry.values()
        total += float(info["logprob"])
        greedy = greedy and info.get("rank", 1) == 1
        text = str(info.get("decoded_token", "")) + text
    if not text.endswith(continuation):
        raise APIError(
            f"the prompt's last tokens {text!r} do not spell the continuation {continuation!r}"
        )
    return total, greedy


def message_text(answer: dict[str, Any]) -> str:
    """The text of a chat-completions answer (``choices[0].message.content``, joined when the
    server answers with content parts)."""
    try:
        content = answer["choices"][0]["message"].get("content")
    except (KeyError, IndexError, TypeError, AttributeError):
        raise APIError(
            f"malformed chat-completions answer (no choices[0].message): {str(answer)[:300]}"
        ) from None
    if isinstance(content, list):  # some servers answer with content parts
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return content or ""
