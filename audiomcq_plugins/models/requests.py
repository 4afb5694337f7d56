"""Backend-agnostic requests to audio language models, and their chat messages.

An :class:`AudioRequest` is what every backend (transformers, vLLM, API) and every harness
adapter (lm-eval, lighteval, TRL helpers) exchanges: the user text, zero or more mono 16 kHz
clips, an optional system prompt, or a whole conversation. Text-only requests are requests with
no audio. A clip is a waveform or a :class:`~audiomcq_plugins.clips.Clip` (its length known, its
samples decoded on demand): harness adapters build requests from references with
:func:`audio_source`, and each backend calls :meth:`AudioRequest.resolved` where it needs the
samples (HF: in a batch's encoding step, which overlaps the model).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from audiomcq_plugins.audio import SAMPLE_RATE
from audiomcq_plugins.clips import Clip, file_clip, noise_clip, silence_clip

#: One clip of a request: samples, or a clip decoded on demand.
ClipLike = np.ndarray | Clip


@dataclass(frozen=True)
class AudioRequest:
    """One prompt. ``audio`` holds float32 mono arrays at 16 kHz or :class:`Clip` objects that
    decode to them (:meth:`resolved`), placed before the text of the last user turn (the
    R1-AQA/AudioMCQ convention). ``messages`` (role/content dicts with string content), when
    given, replaces ``text`` as the conversation; the audio goes into its last user turn.
    ``chat=False`` sends ``text`` raw, without the chat template (text-only likelihood
    scoring, as lm-eval does for plain LMs)."""

    text: str
    audio: tuple[ClipLike, ...] = ()
    system_prompt: str | None = None
    messages: tuple[dict[str, Any], ...] | None = None
    chat: bool = True
    meta: dict[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if not self.chat and self.audio:
            raise ValueError("a request with audio needs the chat template (chat=True)")
        for i, clip in enumerate(self.audio):
            if isinstance(clip, Clip):
                continue
            if not isinstance(clip, np.ndarray) or clip.ndim != 1:
                raise ValueError(
                    f"audio clip {i} must be a 1-D float32 array at {SAMPLE_RATE} Hz, got "
                    f"{type(clip).__name__} with shape {getattr(clip, 'shape', None)}; "
                    "resample with audiomcq_plugins.audio.to_target first"
                )

    @property
    def n_samples(self) -> int:
        """Audio samples in all clips (known without decoding)."""
        return int(sum(c.n_samples if isinstance(c, Clip) else len(c) for c in self.audio))

    def resolved(self) -> AudioRequest:
        """This request with every :class:`Clip` decoded (itself when there is none)."""
        if not any(isinstance(c, Clip) for c in self.audio):
            return self
        arrays = tuple(c.array() if isinstance(c, Clip) else c for c in self.audio)
        return replace(self, audio=arrays)

    def chat_messages(self, default_system: str | None = None) -> list[dict[str, Any]]:
        """The conversation as chat-template messages with audio content blocks (the clips as
        they are: call :meth:`resolved` first for waveforms)."""
        system = self.system_prompt if self.system_prompt is not None else default_system
        if self.messages is not None:
            turns = [dict(m) for m in self.messages]
        else:
            turns = [{"role": "user", "content": self.text}]
        if system and not any(t["role"] == "system" for t in turns):
            turns.insert(0, {"role": "system", "content": system})
        users = [i for i, t in enumerate(turns) if t["role"] == "user"]
        if not users and self.audio:
            raise ValueError("a request with audio needs a user turn to carry it")
        out: list[dict[str, Any]] = []
        for i, turn in enumerate(turns):
            content = turn["content"]
            blocks = (
                [{"type": "text", "text": content}] if isinstance(content, str) else list(content)
            )
            if users and i == users[-1]:
                blocks = [{"type": "audio", "audio": a} for a in self.audio] + blocks
            out.append({"role": turn["role"], "content": blocks})
        return out

    def fingerprint(self) -> str:
        """A stable hash of everything the model sees (audio by content), for caching."""
        h = hashlib.sha256()
        h.update(repr((self.text, self.system_prompt, self.messages, self.chat)).encode())
        for clip in self.resolved().audio:
            h.update(array_ref(clip)["sha256"].encode())
        return h.hexdigest()


def length_order(requests: Sequence[AudioRequest]) -> list[int]:
    """Indices longest first (audio samples, then text length): similar lengths batch together
    and the largest batch runs first, so memory problems show up at once."""
    return sorted(
        range(len(requests)),
        key=lambda i: (-requests[i].n_samples, -len(requests[i].text), i),
    )


def truncate_at_stops(text: str, stops: Sequence[str]) -> str:
    """Cut ``text`` at the first occurrence of any stop string."""
    cut = len(text)
    for stop in stops:
        if stop:
            pos = text.find(stop)
            if pos != -1:
                cut = min(cut, pos)
    return text[:cut]


def audio_source(entry: Any) -> ClipLike:
    """One audio entry of a harness request -> a 16 kHz clip, decoded later where possible.

    Accepts a bare array (taken as 16 kHz), lm-eval's ``{"array", "sampling_rate"}`` (resampled
    when needed; both are waveforms already) and the audio references our tasks emit (see
    :mod:`audiomcq_plugins.task_docs`), which become a :class:`Clip` of known length:
    ``{"path": ..., "sha256": ...}`` (decoded, down-mixed and resampled on demand; a missing
    or unreadable file is an error now), ``{"silence_seconds": s}`` and
    ``{"noise_seconds": s, "seed": k}``.
    """
    from audiomcq_plugins import audio

    if isinstance(entry, np.ndarray):
        return audio.to_target(entry, SAMPLE_RATE)
    if not isinstance(entry, dict):
        raise ValueError(f"unsupported audio entry of type {type(entry).__name__}")
    if "array" in entry:
        return audio.to_target(
            np.asarray(entry["array"]), int(entry.get("sampling_rate") or SAMPLE_RATE)
        )
    if entry.get("path"):
        # Task references hold absolute paths; the loader resolves paths under a data root.
        return file_clip(entry["path"], entry.get("id"), str(entry.get("sha256") or ""))
    if "silence_seconds" in entry:
        return silence_clip(float(entry["silence_seconds"]))
    if "noise_seconds" in entry:
        return noise_clip(float(entry["noise_seconds"]), int(entry.get("seed", 0)))
    raise ValueError(
        f"audio entry {sorted(entry)} has none of array / path / silence_seconds / noise_seconds"
    )


def resolve_audio(entry: Any) -> np.ndarray:
    """One audio entry of a harness request -> float32 mono 16 kHz array, decoded now
    (:func:`audio_source`, then :meth:`Clip.array`)."""
    clip = audio_source(entry)
    return clip.array() if isinstance(clip, Clip) else clip


def audio_log_ref(entry: Any) -> Any:
    """What logs and cache keys keep of an audio entry: references as they are, waveforms as
    ``{"sha256", "n_samples"}`` (same JSON as lm-eval's cache key of the array, see
    :mod:`audiomcq_plugins.integrations.lm_eval.safety`)."""
    if isinstance(entry, np.ndarray):
        return array_ref(entry)
    if isinstance(entry, dict) and isinstance(entry.get("array"), np.ndarray):
        return {**entry, "array": array_ref(entry["array"])}
    return entry


def array_ref(array: np.ndarray) -> dict[str, Any]:
    data = np.ascontiguousarray(array)
    return {"sha256": hashlib.sha256(data.tobytes()).hexdigest(), "n_samples": int(data.shape[0])}
