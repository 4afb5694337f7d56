"""The one home of content hashes and the cache directory."""

from __future__ import annotations

import hashlib
from pathlib import Path

from audiomcq_plugins import cache


class TestCache:
    def test_cache_dir_prefers_audiomcq_cache_then_xdg_then_home(self, tmp_path, monkeypatch):
        monkeypatch.setenv("AUDIOMCQ_CACHE", str(tmp_path / "mine"))
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
        assert cache.cache_dir("synth") == tmp_path / "mine" / "synth"
        monkeypatch.delenv("AUDIOMCQ_CACHE")
        assert cache.cache_dir() == tmp_path / "xdg" / "audiomcq"
        monkeypatch.delenv("XDG_CACHE_HOME")
        monkeypatch.setenv("HOME", str(tmp_path / "home"))
        assert cache.cache_dir("x") == tmp_path / "home" / ".cache" / "audiomcq" / "x"

    def test_file_hash_equals_hashlib_across_block_boundaries(self, tmp_path):
        data = bytes(range(256)) * (cache.BLOCK // 256 + 3)  # more than one block
        path = tmp_path / "f.bin"
        path.write_bytes(data)
        assert cache.sha256_file(path) == hashlib.sha256(data).hexdigest()
        assert cache.sha256_bytes(data) == hashlib.sha256(data).hexdigest()

    def test_files_hash_is_the_one_file_hash_or_a_hash_of_named_hashes(self, tmp_path):
        a, b = tmp_path / "a.json", tmp_path / "b.json"
        a.write_text("A")
        b.write_text("B")
        assert cache.sha256_files([a]) == cache.sha256_file(a)
        lines = f"a.json {cache.sha256_file(a)}\nb.json {cache.sha256_file(b)}"
        assert cache.sha256_files([b, a]) == hashlib.sha256(lines.encode()).hexdigest()

    def test_cached_bytes_are_stored_once_under_their_hash(self, tmp_path, monkeypatch):
        monkeypatch.setenv("AUDIOMCQ_CACHE", str(tmp_path))
        first = cache.cached_bytes(b"RIFF....", "embedded", ".wav")
        assert first == tmp_path / "embedded" / f"{hashlib.sha256(b'RIFF....').hexdigest()}.wav"
        assert first.read_bytes() == b"RIFF...."
        mtime = first.stat().st_mtime_ns
        assert cache.cached_bytes(b"RIFF....", "embedded", ".wav") == first
        assert first.stat().st_mtime_ns == mtime  # not rewritten
        assert sorted(p.name for p in first.parent.iterdir()) == [first.name]  # no temp left

    def test_write_atomic_creates_parents_and_replaces(self, tmp_path):
        target = Path(tmp_path, "a", "b", "c.txt")
        cache.write_atomic(target, b"one")
        cache.write_atomic(target, b"two")
        assert target.read_bytes() == b"two" and len(list(target.parent.iterdir())) == 1
