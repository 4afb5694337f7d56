"""Clips stream into the model: lengths known before decoding, the same batches and the same
predictions as decoding every clip first, and bad audio still named by item."""

from __future__ import annotations

import json
import random
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from audiomcq_plugins import ablations, audio, clips
from audiomcq_plugins.audio import SAMPLE_RATE, AudioError

RATES = (4_000, 5_512, 7_999, 8_000, 11_025, 12_000, 16_000, 22_050, 24_000, 32_000, 37_800)
RATES += (44_056, 44_100, 48_000, 88_200, 96_000, 192_000)


@pytest.fixture(autouse=True)
def _own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDIOMCQ_CACHE", str(tmp_path / "cache"))


def test_resampled_length_is_soxrs_output_length():
    import soxr

    rng = random.Random(0)
    checked = 0
    for sr in RATES:
        # ties (x.5 exactly: odd lengths at 32 kHz) and random lengths up to 25 s at 16 kHz
        lengths = [1, 2, 3, 5, 7, 11, 100, 101, 999, 1001, 44_099, 44_101]
        lengths += [rng.randint(1, 400_000) for _ in range(12)]
        for n in lengths:
            got = len(soxr.resample(np.zeros(n, np.float32), sr, SAMPLE_RATE, quality="HQ"))
            assert audio.resampled_length(n, sr) == got, (n, sr)
            exact = Fraction(n * SAMPLE_RATE, sr)
            assert got == int(exact + Fraction(1, 2))  # round half up
            checked += 1
    assert checked == len(RATES) * 24


@pytest.mark.parametrize("ext", ["wav", "flac", "ogg"])
@pytest.mark.parametrize("sr", [8_000, 22_050, 44_100, 48_000])
def test_header_length_equals_the_decoded_length(tmp_path, ext, sr):
    rng = np.random.default_rng(sr)
    for n in (1_000, 12_345, 3 * sr + 7):
        channels = 2 if n % 2 else 1
        data = (0.1 * rng.standard_normal((n, channels))).astype(np.float32)
        path = tmp_path / f"c{n}.{ext}"
        audio.write_audio(path, data, sr)
        assert audio.header_length(path) == len(audio.decode(path).array)


def test_references_become_clips_of_known_length(tmp_path):
    from audiomcq_plugins.models.requests import AudioRequest, audio_source, length_order

    path = tmp_path / "a.wav"
    audio.write_audio(path, np.full(44_100, 0.1, np.float32), 44_100)
    clip = audio_source({"id": "x", "path": str(path), "sha256": "abc"})
    assert isinstance(clip, clips.Clip) and clip.n_samples == SAMPLE_RATE
    silent = audio_source({"silence_seconds": 2.5})
    noise = audio_source({"noise_seconds": 0.5, "seed": 3})
    assert silent.n_samples == 40_000 and not silent.array().any()
    np.testing.assert_array_equal(noise.array(), ablations.white_noise(0.5, seed=3))
    lazy = [AudioRequest("q", (c,)) for c in (noise, clip, silent)]
    eager = [r.resolved() for r in lazy]
    assert [r.n_samples for r in lazy] == [r.n_samples for r in eager]
    assert length_order(lazy) == length_order(eager) == [2, 1, 0]
    np.testing.assert_array_equal(eager[1].audio[0], audio.decode(path).array)
    assert eager[1].resolved() is eager[1]


def test_a_missing_or_unreadable_file_is_named_when_the_request_is_built(tmp_path):
    from audiomcq_plugins.models.requests import audio_source

    with pytest.raises(AudioError, match=r"item m1: audio .*gone\.wav.*file not found"):
        audio_source({"id": "m1", "path": str(tmp_path / "gone.wav")})
    (tmp_path / "junk.wav").write_bytes(b"not audio at all" * 10)
    with pytest.raises(AudioError, match=r"item j1: audio .*junk\.wav.*cannot decode"):
        audio_source({"id": "j1", "path": str(tmp_path / "junk.wav")})


def test_a_file_that_breaks_after_its_header_is_named_when_decoded(tmp_path):
    from audiomcq_plugins.models.requests import AudioRequest, audio_source

    path = tmp_path / "t.wav"
    audio.write_audio(path, np.full(8_000, 0.1, np.float32), SAMPLE_RATE)
    clip = audio_source({"id": "t1", "path": str(path)})
    path.write_bytes(path.read_bytes()[:44])  # header only: truncated after it was measured
    with pytest.raises(AudioError, match=r"item t1: audio .*t\.wav.*zero samples"):
        AudioRequest("q", (clip,)).resolved()


def test_a_header_that_misstates_its_length_warns_and_is_remembered(tmp_path, monkeypatch):
    path = tmp_path / "liar.wav"
    audio.write_audio(path, np.full(8_000, 0.1, np.float32), SAMPLE_RATE)
    real = audio.header_length
    monkeypatch.setattr(audio, "header_length", lambda *a, **k: real(*a, **k) + 5)
    clip = clips.file_clip(path, "l1", sha256="feed")
    assert clip.n_samples == 8_005
    with pytest.warns(UserWarning, match=r"item l1: .*8000 samples .*not the 8005"):
        assert len(clip.array()) == 8_000
    again = clips.file_clip(path, "l1", sha256="feed")
    assert again.n_samples == 8_000  # remembered, not read from the header


def test_a_plugin_decoder_is_measured_once_then_remembered(tmp_path, fresh_plugins):
    from audiomcq_plugins import hookimpl
    from audiomcq_plugins.plugins import register_plugin

    calls = []

    class Doubler:
        @hookimpl
        def load_audio(self, source, data_root, item_id, mono):
            calls.append(item_id)
            clip = audio.decode(Path(data_root) / str(source))
            return audio.Audio(np.concatenate([clip.array, clip.array]))

    register_plugin(Doubler(), "doubler")
    path = tmp_path / "p.wav"
    audio.write_audio(path, np.full(1_000, 0.1, np.float32), SAMPLE_RATE)
    first = clips.file_clip(path, "p1")
    assert first.n_samples == 2_000 and calls == ["p1"]
    second = clips.file_clip(path, "p1")
    assert second.n_samples == 2_000 and calls == ["p1"]
    assert len(second.array()) == 2_000 and calls == ["p1", "p1"]


# --- the same predictions as the full decoding pass, through lm-eval ----------------------


def _mixed_rate_fixture(root: Path) -> Path:
    """An MMAU fixture whose clips have several rates, channel counts, lengths and formats."""
    from audiomcq_plugins.benchmarks.fixtures import write_fixture

    data = root / "data" / "mmau_test_mini"
    write_fixture("mmau_test_mini", data, n=11, max_seconds=1.0)
    meta = data / "mmau-test-mini.json"
    records = json.loads(meta.read_text())
    rng = np.random.default_rng(7)
    formats = ("wav", "flac", "ogg")
    for i, rec in enumerate(records):
        sr = (8_000, 11_025, 22_050, 44_100, 48_000, 16_000)[i % 6]
        seconds = 0.3 + 0.17 * ((i * 5) % 11)
        t = np.arange(int(seconds * sr)) / sr
        tone = 0.3 * np.sin(2 * np.pi * (220 + 40 * i) * t) + 0.01 * rng.standard_normal(len(t))
        data_ = np.stack([tone, tone[::-1]], axis=1) if i % 3 == 0 else tone
        old = data / rec["audio_id"]
        new = old.with_suffix(f".{formats[i % 3]}")
        old.unlink()
        audio.write_audio(new, data_.astype(np.float32), sr)
        rec["audio_id"] = f"./{new.relative_to(data)}"
    meta.write_text(json.dumps(records))
    return root / "data"


@pytest.mark.slow
def test_streaming_predictions_equal_the_full_decoding_pass(tmp_path, monkeypatch):
    pytest.importorskip("lm_eval")
    from lm_eval import simple_evaluate

    from audiomcq_plugins.integrations.lm_eval import register, task_manager
    from audiomcq_plugins.integrations.lm_eval.requests import FULL_DECODE_ENV
    from audiomcq_plugins.models import hf
    from audiomcq_plugins.models.tiny import build_tiny_model

    data = _mixed_rate_fixture(tmp_path)
    model = build_tiny_model("qwen2-audio", tmp_path / "model")
    batches: list[list[int]] = []
    lazy: list[bool] = []
    seen = hf.HFAudioLM.encode

    def encode(self, requests, texts=None):
        batches.append([r.n_samples for r in requests])
        lazy.extend(isinstance(c, clips.Clip) for r in requests for c in r.audio)
        return seen(self, requests, texts)

    monkeypatch.setattr(hf.HFAudioLM, "encode", encode)
    register()
    runs = {}
    for mode in ("1", ""):
        monkeypatch.setenv(FULL_DECODE_ENV, mode)
        batches.clear()
        lazy.clear()
        out = simple_evaluate(
            model="audiomcq-hf",
            model_args={"pretrained": str(model), "device": "cpu", "batch_size": 3},
            tasks=["mmau_test_mini"],
            task_manager=task_manager(include_defaults=False, metadata={"data_dir": str(data)}),
            gen_kwargs="max_gen_toks=12",
            log_samples=True,
        )
        samples = sorted(out["samples"]["mmau_test_mini"], key=lambda s: s["doc_id"])
        runs[mode] = ([s["resps"] for s in samples], list(batches))
        assert lazy and all(lazy) is (mode == "")  # decoded in the batch step when streaming
        assert any(lazy) is (mode == "")
    assert runs["1"] == runs[""]
    assert len(runs[""][1]) == 4  # 11 items in batches of 3: the order mattered


# --- the audio encoder in the encoding step --------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("arch", ["qwen2-audio", "qwen2.5-omni"])
def test_the_prefetched_audio_encoder_changes_no_output(tmp_path, arch):
    pytest.importorskip("transformers")
    from audiomcq_plugins.models.hf import HFAudioLM
    from audiomcq_plugins.models.requests import AudioRequest, audio_source
    from audiomcq_plugins.models.tiny import build_tiny_model

    lm = HFAudioLM(build_tiny_model(arch, tmp_path / "m"), device="cpu", batch_size=3)
    prefetched = lm.encoder_prefetch
    assert prefetched is not None
    requests = []
    for i, sr in enumerate((8_000, 22_050, 44_100, 16_000, 48_000, 11_025, 32_000)):
        path = tmp_path / f"c{i}.wav"
        t = np.arange(int((0.2 + 0.15 * i) * sr)) / sr
        audio.write_audio(path, (0.3 * np.sin(2 * np.pi * 300 * (i + 1) * t)).astype("f4"), sr)
        clip = audio_source({"id": str(i), "path": str(path)})
        requests.append(AudioRequest(f"Which tone is clip {i}?", (clip,)))
    requests.append(AudioRequest("A text-only question."))
    outputs = {}
    for prefetch in (False, True):  # in the loop's thread, then in the background thread
        lm.prefetch = prefetch
        lm.encoder_prefetch = None
        outputs["plain", prefetch] = lm.generate(requests, max_new_tokens=6)
        lm.encoder_prefetch = prefetched
        before = prefetched.hits
        outputs["prefetched", prefetch] = lm.generate(requests, max_new_tokens=6)
        assert prefetched.hits - before == 3  # every batch with audio got its stored output
        assert not prefetched.pending
    assert len(set(map(tuple, outputs.values()))) == 1
    scores = lm.loglikelihood(requests[:4], [" A", " B", " C", " D"])
    lm.encoder_prefetch = None
    assert lm.loglikelihood(requests[:4], [" A", " B", " C", " D"]) == scores


def test_clip_hashes_are_remembered_across_runs_until_the_file_changes(tmp_path, monkeypatch):
    import os

    from audiomcq_plugins import cache

    path = tmp_path / "h.wav"
    path.write_bytes(b"one")
    first = cache.sha256_file_remembered(path)
    assert first == cache.sha256_bytes(b"one")
    with monkeypatch.context() as patched:
        patched.setattr(cache, "sha256_file", lambda p: pytest.fail("hashed again"))
        assert cache.sha256_file_remembered(path) == first
    path.write_bytes(b"two")
    os.utime(path, ns=(1, 1))
    assert cache.sha256_file_remembered(path) == cache.sha256_bytes(b"two")
