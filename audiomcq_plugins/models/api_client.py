"""A small JSON-over-HTTP client with bounded retries, for OpenAI-compatible servers.

Standard library only. Retried: HTTP 408, 429 and 5xx, timeouts, refused and dropped
connections; each retry waits ``backoff * 2**attempt`` seconds (with jitter, at most
``max_wait``) or the server's ``Retry-After`` when that is longer. Any other HTTP error is
final. The API key goes into the ``Authorization`` header only: it is never part of an error
message, a log line or ``repr()``.
"""

from __future__ import annotations

import email.utils
import http.client
import json
import logging
import random
import re
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger(__name__)

RETRYABLE_STATUS = frozenset({408, 429, 500, 502, 503, 504})
#: Characters of a server's error body quoted in our messages.
BODY_EXCERPT = 600


class APIError(RuntimeError):
    """A request the server answered with a final error, or that failed every retry."""

    def __init__(self, message: str, status: int | None = None, body: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.body = body


@dataclass(frozen=True)
class RetryPolicy:
    """``max_retries`` retries after the first attempt (so ``max_retries + 1`` attempts)."""

    max_retries: int = 5
    backoff: float = 1.0
    max_wait: float = 120.0

    def wait(self, attempt: int, retry_after: float | None) -> float:
        base = self.backoff * (2**attempt) * random.uniform(0.5, 1.0)
        return min(self.max_wait, max(base, retry_after or 0.0))


def retry_after_seconds(value: str | None) -> float | None:
    """``Retry-After`` as seconds: a number, or an HTTP date (seconds from now)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class JSONClient:
    """POST JSON to ``base_url + path``; thread-safe (one connection per request)."""

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        timeout: float = 300.0,
        retry: RetryPolicy = RetryPolicy(),
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self.timeout = float(timeout)
        self.retry = retry
        self.stop = threading.Event()  # set to abandon retries (another request failed)

    def __repr__(self) -> str:
        return f"JSONClient({self.base_url!r}, timeout={self.timeout})"

    def post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        """The decoded JSON answer; :class:`APIError` on a final error or after the retries."""
        url = self.base_url + path
        body = json.dumps(payload).encode()
        last = ""
        for attempt in range(self.retry.max_retries + 1):
            if self.stop.is_set():
                raise APIError(f"request to {url} abandoned: another request failed")
            status, retry_after, last = self._attempt(url, body)
            if status == 200:
                return json.loads(last)
            if status is not None and status not in RETRYABLE_STATUS:
                raise APIError(_final_message(url, status, last), status, last)
            if attempt < self.retry.max_retries:
                wait = self.retry.wait(attempt, retry_after)
                reason = _short(status, last)
                logger.warning("%s: %s; retry %d in %.1f s", url, reason, attempt + 1, wait)
                if self.stop.wait(wait):
                    raise APIError(f"request to {url} abandoned: another request failed")
        raise APIError(
            f"{url} failed {self.retry.max_retries + 1} times (last: {_short(status, last)}); "
            "raise max_retries/timeout or check the server. With lm-eval's --use_cache the "
            "answers already received are kept: rerun the same command to resume",
            status,
            last,
        )

    def _attempt(self, url: str, body: bytes) -> tuple[int | None, float | None, str]:
        """(HTTP status or None for a transport failure, Retry-After seconds, body/reason)."""
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        req = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return resp.status, None, resp.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            text = exc.read().decode("utf-8", "replace") if exc.fp else ""
            return exc.code, retry_after_seconds(exc.headers.get("Retry-After")), text
        except TimeoutError:
            return None, None, f"no answer within timeout={self.timeout:g} s"
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                return None, None, f"no answer within timeout={self.timeout:g} s"
            return None, None, f"connection failed ({exc.reason})"
        except (http.client.HTTPException, ConnectionError, OSError) as exc:
            return None, None, f"connection dropped ({type(exc).__name__}: {exc})"


def readable(body: str) -> str:
    """A server's error body as one line: an HTML error page (a proxy's, a gateway's) without
    its markup, whitespace collapsed."""
    if re.search(r"<(html|body|head|title|h1)\b", body, re.I):
        body = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", body)
        body = re.sub(r"<[^>]+>", " ", body)
    return " ".join(body.split())


def _short(status: int | None, text: str) -> str:
    return f"HTTP {status}: {readable(text)[:200]}" if status is not None else text


def _final_message(url: str, status: int, body: str) -> str:
    excerpt = readable(body)[:BODY_EXCERPT]
    if status in (401, 403):
        return (
            f"{url} refused the credentials (HTTP {status}): set the environment variable named "
            f"by api_key_env to a valid key. Server said: {excerpt}"
        )
    if status == 404:
        return (
            f"{url} answered 404: check base_url (it usually ends in /v1) and the model name. "
            f"Server said: {excerpt}"
        )
    return f"{url} answered HTTP {status}: {excerpt}"
