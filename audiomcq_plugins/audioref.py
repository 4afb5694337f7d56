"""Where one item's clip is: :class:`AudioRef`.

A clip is a file under the data root (``path``, relative to it) or encoded bytes embedded in
the source (``data``, with the original ``path`` or name they came with, when known). On disk
(canonical JSONL) an item's audio is the relative path string, as it always was; embedded
bytes are written out as files first (``audiomcq prepare``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any


@dataclass(frozen=True)
class AudioRef:
    """A clip: ``path`` under the data root, or embedded ``data`` (``path`` = its original
    name). Neither set means the source names no clip; loading it then reports that."""

    path: str | None = None
    data: bytes | None = None

    @property
    def embedded(self) -> bool:
        return self.data is not None

    @classmethod
    def of(cls, value: Any, item_id: str | None = None) -> AudioRef | None:
        """The reference a source value means: a path (``str`` / ``PathLike``), encoded bytes,
        an audio dict with ``bytes`` and/or ``path`` (Hugging Face's struct), or ``None``
        (text-only item). Anything else is a :class:`ValueError` naming the item and value."""
        if value is None or isinstance(value, AudioRef):
            return value
        if isinstance(value, (str, os.PathLike)):
            return cls(path=os.fspath(value))
        if isinstance(value, (bytes, bytearray)):
            return cls(data=bytes(value))
        if isinstance(value, Mapping) and value.get("array") is None:
            data, path = value.get("bytes"), value.get("path")
            if isinstance(data, (bytes, bytearray)) and data:
                return cls(path=str(path) if path else None, data=bytes(data))
            if data is None or data == b"":
                return cls(path=os.fspath(path) if path else None)
        where = f"item {item_id}: " if item_id is not None else ""
        raise ValueError(
            f"{where}field 'audio' = {describe(value)}: expected a path relative to the data "
            "root, encoded bytes, or an audio dict with 'bytes' or 'path' (decoded arrays are "
            "not stored on items); fix the source record or map another column"
        )

    def to_json(self, item_id: str | None = None) -> str | None:
        """The canonical JSONL value: the relative path. Embedded bytes cannot be written."""
        if self.embedded:
            where = f"item {item_id}: " if item_id is not None else ""
            raise TypeError(
                f"{where}inline audio bytes cannot be written to JSONL; write the clip to a "
                "file under the data root and store its path (`audiomcq prepare` does)"
            )
        return self.path

    def suffix(self, default: str = ".wav") -> str:
        """The lower-cased file extension of ``path`` (``default`` when there is none)."""
        return PurePosixPath(self.path or "").suffix.lower() or default

    def __str__(self) -> str:
        return describe(self)


def describe(value: Any) -> str:
    """A short, byte-free description of an audio value for messages."""
    if isinstance(value, AudioRef):
        if not value.embedded:
            return value.path if value.path is not None else "<no clip>"
        name = f" from {value.path!r}" if value.path else ""
        return f"<{len(value.data or b'')} embedded bytes{name}>"
    if isinstance(value, (bytes, bytearray)):
        return f"<{len(value)} bytes>"
    if isinstance(value, Mapping):
        shown = {
            k: (f"<{len(v)} bytes>" if isinstance(v, (bytes, bytearray)) else v)
            for k, v in value.items()
            if k != "array"
        }
        return str(shown)
    return str(value)
