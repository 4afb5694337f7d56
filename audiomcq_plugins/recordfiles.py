"""Reading record files: the one reader for benchmark metadata and prediction files.

A record file is a JSON list of objects, JSONL (one object per line), or, where the caller
names wrapper keys, a JSON object holding the list (``{"data": [...]}``). The container is
read from the content, not the file name. Errors name the file, the line and what to do.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

Record = dict[str, Any]
HEAD = 4096  # characters read to tell a JSON document from JSONL

FIX = "expected a JSON list of objects, or JSONL (one JSON object per line)"


class RecordFileError(ValueError):
    """A record file that cannot be read; the message names the file and line."""


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _not_text(path: str | Path, exc: UnicodeDecodeError) -> RecordFileError:
    return RecordFileError(
        f"{path}: not UTF-8 text (byte {exc.start}: {exc.reason}); is it a binary file? {FIX}"
    )


def _jsonl(path: str | Path) -> Iterator[tuple[int, Any]]:
    try:
        yield from _jsonl_lines(path)
    except UnicodeDecodeError as exc:
        raise _not_text(path, exc) from None


def _jsonl_lines(path: str | Path) -> Iterator[tuple[int, Any]]:
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                yield lineno, json.loads(line)
            except json.JSONDecodeError as exc:
                raise RecordFileError(
                    f"{path}:{lineno}: not valid JSON ({exc.msg} at column {exc.colno}); "
                    "fix or remove the line"
                ) from None


def read_jsonl(path: str | Path) -> Iterator[Any]:
    """The JSON values of a JSONL file, in order (blank lines skipped), read lazily."""
    return (value for _, value in _jsonl(path))


def _document(path: Path, text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise RecordFileError(
            f"{path}:{exc.lineno}: not valid JSON ({exc.msg} at line {exc.lineno} column "
            f"{exc.colno}); fix the file: {FIX}"
        ) from None


def _unwrap(path: Path, text: str, wrappers: Sequence[str]) -> list[Any] | None:
    """The list under a wrapper key when the whole file is one JSON object holding it; None
    when the file is not one JSON document (then it is JSONL)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return None
    if not isinstance(data, dict):
        return None
    for key in wrappers:
        if isinstance(data.get(key), list):
            return data[key]
    return [data]  # one object: the same as a one-line JSONL file


def _check_objects(path: Path, records: list[Any], lines: list[int] | None) -> list[Record]:
    for n, record in enumerate(records, 1):
        if not isinstance(record, dict):
            where = f" (line {lines[n - 1]})" if lines else ""
            raise RecordFileError(
                f"{path}: record {n}{where} is {type(record).__name__} {_short(record)}, not a "
                "JSON object; each record must be an object with the benchmark's fields"
            )
    return records


def read_records(path: str | Path, *, wrappers: Sequence[str] = ()) -> list[Record]:
    """Every record of a JSON list, JSONL, or (with ``wrappers``, e.g. ``("data",)``) a JSON
    object whose first present wrapper key holds the list. An empty file has no records."""
    path = Path(path)
    try:
        return _read_records(path, wrappers)
    except UnicodeDecodeError as exc:
        raise _not_text(path, exc) from None


def _read_records(path: Path, wrappers: Sequence[str]) -> list[Record]:
    with open(path, encoding="utf-8") as fh:
        head = fh.read(HEAD).lstrip()
    if not head:
        return []
    if head.startswith("["):
        return _check_objects(path, _document(path, path.read_text(encoding="utf-8")), None)
    if head.startswith("{") and wrappers:
        unwrapped = _unwrap(path, path.read_text(encoding="utf-8"), wrappers)
        if unwrapped is not None:
            return _check_objects(path, unwrapped, None)
    numbered = list(_jsonl(path))
    return _check_objects(path, [r for _, r in numbered], [n for n, _ in numbered])
