"""The synthetic suite: determinism, balance, labels by construction, separable audio."""

from __future__ import annotations

import json
import re
from collections import Counter

import numpy as np
import pytest

from audiomcq_plugins.audio import SAMPLE_RATE, load_audio
from audiomcq_plugins.benchmarks import load_benchmark, synth
from audiomcq_plugins.benchmarks.synth import SynthConfig, make_example


def _strong(subtask: str, n: int = 40, **kw) -> list[tuple[dict, np.ndarray]]:
    cfg = SynthConfig(subtasks=(subtask,), weak_fraction=0.0, seed=3, **kw)
    return list(synth.examples(n, cfg))


def _label(rec: dict) -> int:
    return synth.SUBTASKS[rec["subtask"]].labels.index(rec["answer"])


def test_generation_is_deterministic_and_prefix_stable(tmp_path):
    a = json.loads(synth.generate(tmp_path / "a", n=12, seed=5, max_seconds=1).read_text())
    b = json.loads(synth.generate(tmp_path / "b", n=20, seed=5, max_seconds=1).read_text())
    assert a == b[:12]
    assert (tmp_path / "a/audio/synth" / a[3]["audio_path"]).read_bytes() == (
        tmp_path / "b/audio/synth" / b[3]["audio_path"]
    ).read_bytes()
    other = make_example(3, SynthConfig(seed=6, max_seconds=1))[0]
    assert other["id"] != a[3]["id"]


def test_suite_balance_labels_and_durations():
    recs = [r for r, _ in synth.examples(400, SynthConfig(max_seconds=3.0))]
    assert Counter(r["choices"].index(r["answer"]) for r in recs) == {
        0: 100,
        1: 100,
        2: 100,
        3: 100,
    }
    types = Counter(r["question_type"] for r in recs)
    assert set(types) == set(synth.QUESTION_TYPES) and min(types.values()) > 70
    contrib = Counter(r["audio-contribution"] for r in recs)
    assert 150 < contrib["weak"] < 250 and contrib["weak"] + contrib["strong"] == 400
    assert all(0.5 <= r["duration"] <= 3.0 for r in recs)
    assert all(len(r["choices"]) == 4 == len(set(r["choices"])) for r in recs)
    assert {r["subtask"] for r in recs if r["audio-contribution"] == "strong"} == set(
        synth.SUBTASKS
    )


def test_weak_items_are_answerable_from_text_strong_ones_are_not():
    recs = [r for r, _ in synth.examples(200, SynthConfig(max_seconds=1.0))]
    for r in recs:
        if r["audio-contribution"] == "strong":
            assert not any(c in r["question"] for c in r["choices"]), r
        else:  # the quoted answer is the only option named; options as in the strong twin
            quoted = re.findall(r"'([^']*)'", r["question"])
            assert quoted == [r["answer"]], r
            assert any(
                set(r["choices"]) == set(t.labels) and any(q in r["question"] for q in t.questions)
                for t in synth.SUBTASKS.values()
            ), r


def test_clip_lengths_follow_the_duration_and_are_mono_16k():
    for rec, audio in synth.examples(10, SynthConfig(min_seconds=0.5, max_seconds=2.0)):
        assert audio.dtype == np.float32 and audio.ndim == 1
        assert len(audio) == int(round(rec["duration"] * SAMPLE_RATE))
        assert 0.05 < np.abs(audio).max() <= 1.0


def test_pitch_register_is_separable_by_spectral_peak():
    for rec, audio in _strong("music_pitch", max_seconds=1.0):
        spectrum = np.abs(np.fft.rfft(audio))
        peak = np.argmax(spectrum) * SAMPLE_RATE / len(audio)
        assert 0.9 * synth.PITCHES[_label(rec)] < peak < 1.1 * synth.PITCHES[_label(rec)]


def test_event_count_is_separable_from_the_envelope():
    for rec, audio in _strong("sound_count", min_seconds=0.5, max_seconds=2.0):
        frames = np.abs(audio[: len(audio) // 160 * 160]).reshape(-1, 160).max(axis=1)
        active = frames > 0.5 * frames.max()
        onsets = int(active[0]) + int(np.sum(active[1:] & ~active[:-1]))
        assert onsets == _label(rec) + 1, rec


def test_event_order_is_separable_by_half_clip_tonality():
    def tonal(x):  # share of the energy in the strongest frequency bin
        power = np.abs(np.fft.rfft(x)) ** 2
        return power.max() / power.sum() > 0.1

    # per label: (first half tonal, second half tonal, second half audible)
    expected = {
        0: (True, False, True),
        1: (False, True, True),
        2: (True, False, False),
        3: (False, False, False),
    }
    for rec, audio in _strong("temporal_order", max_seconds=2.0):
        half = len(audio) // 2
        first, second = audio[:half], audio[half:]
        assert np.abs(first).max() > 0.1
        got = (tonal(first), tonal(second), bool(np.abs(second).max() > 0.1))
        assert got == expected[_label(rec)], rec


def test_vocabulary_covers_every_generated_text():
    vocab = set(synth.vocabulary())
    for rec, _ in synth.examples(100, SynthConfig(max_seconds=0.6)):
        for text in (rec["question"], *rec["choices"]):
            assert set(re.findall(r"\w+|[^\w\s]", text)) <= vocab, text


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="unknown sub-tasks"):
        SynthConfig(subtasks=("dog",))
    with pytest.raises(ValueError, match="min_seconds"):
        SynthConfig(min_seconds=3, max_seconds=1)


def test_spec_generates_into_the_source_or_cache_when_absent(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDIOMCQ_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("AUDIOMCQ_DATA_DIR", raising=False)
    loaded = load_benchmark("audiomcq_synth", n=6, max_seconds=0.6)
    assert len(loaded.items) == 6 and str(loaded.data_root).startswith(str(tmp_path / "cache"))
    again = load_benchmark("audiomcq_synth", n=6, max_seconds=0.6)
    assert again.content_hash == loaded.content_hash
    target = tmp_path / "suite"
    mine = load_benchmark("audiomcq_synth", target, n=5, seed=2, max_seconds=0.6)
    assert (target / synth.METADATA_FILE).is_file() and len(mine.items) == 5
    item = mine.items[0]
    assert item.field("question_type") in synth.QUESTION_TYPES and item.field("subtask")
    assert item.audio_contribution in ("weak", "strong") and item.cot["simple_cot"]
    assert load_audio(item.audio, mine.data_root).duration == pytest.approx(
        item.source["duration"], abs=1e-3
    )
