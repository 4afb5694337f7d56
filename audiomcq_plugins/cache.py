"""Content hashes and the cache directory: one home for both.

The cache lives in ``$AUDIOMCQ_CACHE`` when set, else ``$XDG_CACHE_HOME/audiomcq`` (default
``~/.cache/audiomcq``); each user of it takes a subfolder (``synth/``, ``embedded/``, ...).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

CACHE_ENV = "AUDIOMCQ_CACHE"
BLOCK = 1 << 20  # bytes read at a time while hashing


def cache_dir(*parts: str) -> Path:
    """The cache directory (or a subfolder of it); not created here."""
    base = os.environ.get(CACHE_ENV) or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "audiomcq"
    )
    return Path(base, *parts)


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | os.PathLike) -> str:
    """sha256 of a file's content, read in blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(BLOCK), b""):
            h.update(block)
    return h.hexdigest()


def sha256_file_remembered(path: str | os.PathLike) -> str:
    """:func:`sha256_file`, remembered in ``<cache>/file_sha256/`` under the file's resolved
    path, size and modification time (so a run after the first reads no clip to hash it)."""
    p = Path(path).resolve()
    st = p.stat()
    key = sha256_bytes(f"{p}\0{st.st_size}\0{st.st_mtime_ns}".encode())
    target = cache_dir("file_sha256") / key
    try:
        known = target.read_text()
        if len(known) == 64:
            return known
    except OSError:
        pass
    digest = sha256_file(p)
    try:
        write_atomic(target, digest.encode())
    except OSError:  # a read-only cache: hash again next time
        pass
    return digest


def sha256_files(paths: Sequence[str | os.PathLike]) -> str:
    """sha256 of the one file, or of the sorted ``"<name> <sha256>"`` lines of several."""
    digests = [(Path(p).name, sha256_file(p)) for p in paths]
    if len(digests) == 1:
        return digests[0][1]
    joined = "\n".join(f"{name} {d}" for name, d in sorted(digests))
    return sha256_bytes(joined.encode())


def write_atomic(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` through a temporary file and a rename, so readers never
    see a partial file (parents are created)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"{target.name}.tmp{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, target)


def cached_bytes(data: bytes, folder: str, suffix: str) -> Path:
    """``data`` stored once in the cache, named by its content:
    ``<cache>/<folder>/<sha256><suffix>``."""
    target = cache_dir(folder) / f"{sha256_bytes(data)}{suffix}"
    if not target.is_file():
        write_atomic(target, data)
    return target


def contents_fingerprint(contents: dict[str, str]) -> str:
    """A short digest of a set of named texts (names and contents)."""
    h = hashlib.sha256()
    for name in sorted(contents):
        h.update(f"{name}\0{contents[name]}\0".encode())
    return h.hexdigest()[:16]


def rendered_dir(folder: str, contents: dict[str, str]) -> Path:
    """``<cache>/<folder>/<fingerprint>`` holding ``contents`` (file name -> text), written
    once and atomically: a changed set gets a new fingerprint, hence a fresh directory."""
    import shutil
    import tempfile

    target = cache_dir(folder) / contents_fingerprint(contents)
    if not target.is_dir():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=target.parent))
        for name, text in contents.items():
            (tmp / name).write_text(text, encoding="utf-8")
        try:
            os.replace(tmp, target)
        except OSError:  # another process wrote the same set first
            shutil.rmtree(tmp, ignore_errors=True)
    return target
