"""An OpenAI-compatible chat-completions server for the tests, on 127.0.0.1 only.

It serves a tiny model through the transformers backend and speaks the real protocol: the
chat-completions JSON schema with ``input_audio`` parts (base64 WAV), ``max_tokens`` /
``max_completion_tokens``, ``stop``, ``temperature``, bearer keys, OpenAI-style error bodies,
and vLLM's ``prompt_logprobs`` with ``continue_final_message``. Faults are scripted per request
(:meth:`APITestServer.plan`): ``429`` (with ``Retry-After``), ``500``, ``hang`` (answer nothing
for ``hang_seconds``), ``drop`` (close the connection without an answer); ``drop_after`` drops
every request once that many have been answered.
"""

from __future__ import annotations

import base64
import io
import json
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np

from audiomcq_plugins.models.requests import AudioRequest


class BadRequest(Exception):
    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.param = param


def parse_messages(messages: Any, *, allow_audio: bool) -> AudioRequest:
    """Chat-completions ``messages`` -> :class:`AudioRequest`, validating the schema."""
    if not isinstance(messages, list) or not messages:
        raise BadRequest("messages must be a non-empty array", "messages")
    turns, clips, audio_turn = [], [], None
    for i, msg in enumerate(messages):
        if not isinstance(msg, dict) or msg.get("role") not in ("system", "user", "assistant"):
            raise BadRequest(f"messages[{i}] needs a role of system/user/assistant", "messages")
        content = msg.get("content")
        if isinstance(content, str):
            turns.append({"role": msg["role"], "content": content})
            continue
        if not isinstance(content, list):
            raise BadRequest(f"messages[{i}].content must be a string or an array", "messages")
        text = []
        for j, part in enumerate(content):
            kind = part.get("type") if isinstance(part, dict) else None
            if kind == "text" and isinstance(part.get("text"), str):
                text.append(part["text"])
            elif kind == "input_audio":
                if not allow_audio:
                    raise BadRequest("this model does not support audio input", "messages")
                audio = part.get("input_audio") or {}
                if audio.get("format") != "wav" or not isinstance(audio.get("data"), str):
                    raise BadRequest(f"messages[{i}].content[{j}]: input_audio needs wav data")
                clips.append(_decode(audio["data"]))
                audio_turn = i
            else:
                raise BadRequest(f"messages[{i}].content[{j}] has unknown type {kind!r}")
        turns.append({"role": msg["role"], "content": "".join(text)})
    users = [i for i, t in enumerate(turns) if t["role"] == "user"]
    if audio_turn is not None and audio_turn != users[-1]:
        raise BadRequest("this server takes audio in the last user turn only", "messages")
    return AudioRequest("", tuple(clips), messages=tuple(turns))


def _decode(data: str) -> np.ndarray:
    import soundfile

    try:
        array, rate = soundfile.read(io.BytesIO(base64.b64decode(data, validate=True)))
    except Exception as exc:
        raise BadRequest(f"input_audio data is not a readable WAV file ({exc})") from None
    if rate != 16000 or array.ndim != 1:
        raise BadRequest(f"expected 16 kHz mono WAV, got {rate} Hz and shape {array.shape}")
    return array.astype(np.float32)


class APITestServer:
    """The server; ``start()`` binds 127.0.0.1 on an ephemeral port (see :attr:`base_url`)."""

    def __init__(
        self,
        backend: Any,
        model_name: str,
        *,
        api_key: str | None = None,
        audio: bool = True,
        prompt_logprobs: bool = True,
        hang_seconds: float = 3.0,
    ) -> None:
        self.backend = backend
        self.model_name = model_name
        self.api_key = api_key
        self.audio = audio
        self.prompt_logprobs = prompt_logprobs
        self.hang_seconds = hang_seconds
        self.faults: deque[str] = deque()
        self.drop_after: int | None = None
        self.log: list[dict[str, Any]] = []  # every request: time, payload, auth, outcome
        self.answered = 0
        self.admitted = 0  # requests let through while drop_after is set
        self._lock = threading.Lock()
        self._model_lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None

    # -- control -----------------------------------------------------------------------------

    def plan(self, *faults: str) -> None:
        with self._lock:
            self.faults.extend(faults)

    def reset(self) -> None:
        with self._lock:
            self.faults.clear()
            self.drop_after = None
            self.log.clear()
            self.answered = 0
            self.admitted = 0

    @property
    def base_url(self) -> str:
        assert self._httpd is not None
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def start(self) -> APITestServer:
        handler = type("Handler", (_Handler,), {"owner": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    # -- serving -----------------------------------------------------------------------------

    def next_action(self, entry: dict[str, Any]) -> str:
        with self._lock:
            self.log.append(entry)
            action = self.faults.popleft() if self.faults else "ok"
            if action == "ok" and self.drop_after is not None:
                if self.admitted >= self.drop_after:
                    return "drop"
                self.admitted += 1
            return action

    def complete(self, body: dict[str, Any]) -> dict[str, Any]:
        if body.get("model") != self.model_name:
            raise BadRequest(f"model {body.get('model')!r} does not exist", "model")
        request = parse_messages(body.get("messages"), allow_audio=self.audio)
        if body.get("prompt_logprobs") is not None:
            if not self.prompt_logprobs:
                raise BadRequest("unknown field prompt_logprobs", "prompt_logprobs")
            return self._answer("", {"prompt_logprobs": self._prompt_logprobs(request)})
        max_tokens = body.get("max_completion_tokens") or body.get("max_tokens") or 16
        temperature = float(body.get("temperature", 1.0))
        stop = body.get("stop") or []
        with self._model_lock:
            (text,) = self.backend.generate(
                [request],
                max_new_tokens=int(max_tokens),
                until=[stop] if isinstance(stop, str) else stop,
                do_sample=temperature > 0,
                **({"temperature": temperature} if temperature > 0 else {}),
            )
        return self._answer(text, {})

    def _answer(self, text: str, extra: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self.answered += 1
        return {
            "id": f"chatcmpl-{self.answered}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": self.model_name,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
            **extra,
        }

    def _prompt_logprobs(self, request: AudioRequest) -> list[dict[str, Any] | None]:
        """vLLM's ``prompt_logprobs=0`` for a continued final assistant message: the prompt is
        the chat template up to the assistant's turn, followed by its text."""
        import torch

        turns = list(request.messages or ())
        if not turns or turns[-1]["role"] != "assistant":
            raise BadRequest("prompt_logprobs here needs a final assistant message to continue")
        head = AudioRequest("", request.audio, messages=tuple(turns[:-1]))
        be = self.backend
        text = be.prompt_text(head) + turns[-1]["content"]
        with self._model_lock, torch.inference_mode():
            batch = be.encode([head], texts=[text])
            logprobs = torch.log_softmax(be.model(**batch).logits.float()[0], dim=-1)
        ids = batch["input_ids"][0].tolist()
        out: list[dict[str, Any] | None] = [None]
        for pos in range(1, len(ids)):
            row = logprobs[pos - 1]
            token = ids[pos]
            rank = int((row > row[token]).sum().item()) + 1
            info = {"logprob": row[token].item(), "rank": rank}
            info["decoded_token"] = be.tokenizer.decode([token])
            out.append({str(token): info})
        return out


class _Handler(BaseHTTPRequestHandler):
    owner: APITestServer
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:  # keep test output quiet
        pass

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        server = self.owner
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        auth = self.headers.get("Authorization")
        entry = {"time": time.monotonic(), "auth": auth, "path": self.path}
        try:
            entry["body"] = json.loads(raw)
        except ValueError:
            entry["body"] = None
        action = server.next_action(entry)
        entry["action"] = action
        if action == "drop":
            self.close_connection = True
            return
        if action == "hang":
            time.sleep(server.hang_seconds)
            self.close_connection = True
            return
        if action in ("429", "500"):
            headers = {"Retry-After": "0.3"} if action == "429" else {}
            return self._send(int(action), _error(f"scripted {action}", "server_error"), headers)
        if self.path != "/v1/chat/completions":
            return self._send(404, _error(f"no route {self.path}", "not_found"))
        if server.api_key and auth != f"Bearer {server.api_key}":
            return self._send(401, _error("invalid api key", "invalid_api_key"))
        try:
            if entry["body"] is None:
                raise BadRequest("the body is not JSON")
            answer = server.complete(entry["body"])
        except BadRequest as exc:
            return self._send(400, _error(str(exc), "invalid_request_error", exc.param))
        self._send(200, answer)

    def _send(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)


def _error(message: str, kind: str, param: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": param, "code": None}}
