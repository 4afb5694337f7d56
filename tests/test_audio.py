"""Audio I/O: decoding, down-mixing, resampling, safe paths, ablation."""

from __future__ import annotations

import io
import os

import numpy as np
import pytest
import soundfile as sf

from audiomcq_plugins import ablations, audio
from audiomcq_plugins.audio import SAMPLE_RATE, Audio, AudioError


def tone(freq: float = 440.0, seconds: float = 0.5, sr: int = SAMPLE_RATE) -> np.ndarray:
    t = np.arange(int(seconds * sr)) / sr
    return (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


class TestDecode:
    @pytest.mark.parametrize("ext", ["wav", "flac", "ogg", "mp3"])
    def test_formats_decode_to_mono_16k_float32(self, tmp_path, ext):
        path = tmp_path / f"clip.{ext}"
        audio.write_audio(path, tone(seconds=1.0, sr=22_050), 22_050)
        clip = audio.decode(path)
        assert clip.sampling_rate == SAMPLE_RATE
        assert clip.array.dtype == np.float32 and clip.array.ndim == 1
        # codecs add padding or delay; the length stays within 10 % of one second
        assert abs(clip.duration - 1.0) < 0.1

    def test_bytes_and_path_agree(self, tmp_path):
        path = tmp_path / "a.wav"
        audio.write_audio(path, tone(), SAMPLE_RATE)
        np.testing.assert_array_equal(
            audio.decode(path).array, audio.decode(path.read_bytes()).array
        )

    def test_resample_keeps_pitch(self):
        buf = io.BytesIO()
        sf.write(buf, tone(1000.0, 1.0, 44_100), 44_100, format="WAV")
        clip = audio.decode(buf.getvalue())
        spectrum = np.abs(np.fft.rfft(clip.array))
        peak_hz = np.argmax(spectrum) * SAMPLE_RATE / len(clip.array)
        assert abs(peak_hz - 1000.0) < 5
        assert len(clip.array) == SAMPLE_RATE

    def test_mono_mean_and_first(self, tmp_path):
        left, right = np.full(1600, 0.5, np.float32), np.full(1600, -0.1, np.float32)
        path = tmp_path / "stereo.wav"
        audio.write_audio(path, np.stack([left, right], axis=1), SAMPLE_RATE, subtype="FLOAT")
        assert np.allclose(audio.decode(path, mono="mean").array, 0.2)
        assert np.allclose(audio.decode(path, mono="first").array, 0.5)
        with pytest.raises(ValueError, match="mono must be one of"):
            audio.decode(path, mono="left")

    def test_missing_file_names_item(self, tmp_path):
        with pytest.raises(AudioError, match="item q7: .*file not found"):
            audio.decode(tmp_path / "nope.wav", item_id="q7")

    def test_empty_file(self, tmp_path):
        (tmp_path / "empty.wav").write_bytes(b"")
        with pytest.raises(AudioError, match="empty"):
            audio.decode(tmp_path / "empty.wav", item_id="q1")

    def test_empty_bytes(self):
        with pytest.raises(AudioError, match="empty audio bytes"):
            audio.decode(b"", item_id="q1")

    def test_corrupt_file(self, tmp_path):
        (tmp_path / "bad.wav").write_bytes(b"RIFF\x00\x00garbage" * 10)
        with pytest.raises(AudioError, match="item q2: .*cannot decode"):
            audio.decode(tmp_path / "bad.wav", item_id="q2")

    def test_truncated_file(self, tmp_path):
        path = tmp_path / "t.flac"
        audio.write_audio(path, tone(seconds=1.0), SAMPLE_RATE)
        (tmp_path / "cut.flac").write_bytes(path.read_bytes()[:40])
        with pytest.raises(AudioError, match="item q3"):
            audio.decode(tmp_path / "cut.flac", item_id="q3")


class TestResolvePath:
    def test_inside_root(self, tmp_path):
        (tmp_path / "audio").mkdir()
        assert audio.resolve_path("audio/x.wav", tmp_path) == tmp_path.resolve() / "audio/x.wav"

    @pytest.mark.parametrize("bad", ["../x.wav", "audio/../../x.wav"])
    def test_dotdot_refused(self, tmp_path, bad):
        with pytest.raises(AudioError, match="escapes the data root"):
            audio.resolve_path(bad, tmp_path, item_id="q1")

    def test_absolute_refused(self, tmp_path):
        with pytest.raises(AudioError, match="absolute paths are refused"):
            audio.resolve_path(str(tmp_path / "x.wav"), tmp_path)

    def test_symlink_out_refused(self, tmp_path):
        outside = tmp_path / "outside.wav"
        audio.write_audio(outside, tone(), SAMPLE_RATE)
        root = tmp_path / "root"
        root.mkdir()
        os.symlink(outside, root / "link.wav")
        with pytest.raises(AudioError, match="escapes the data root"):
            audio.load_audio("link.wav", data_root=root, item_id="q9")

    def test_empty_path(self, tmp_path):
        with pytest.raises(AudioError, match="empty audio path"):
            audio.resolve_path("", tmp_path)


class TestLoadAudio:
    def test_sources(self, tmp_path):
        audio.write_audio(tmp_path / "a.wav", tone(), SAMPLE_RATE)
        data = (tmp_path / "a.wav").read_bytes()
        by_path = audio.load_audio("a.wav", data_root=tmp_path)
        for source in (
            data,
            {"bytes": data},
            {"path": "a.wav"},
            {"array": tone(), "sampling_rate": SAMPLE_RATE},
        ):
            got = audio.load_audio(source, data_root=tmp_path)
            np.testing.assert_allclose(got.array, by_path.array, atol=1e-4)

    def test_array_is_resampled(self):
        got = audio.load_audio({"array": tone(seconds=1.0, sr=8000), "sampling_rate": 8000})
        assert len(got.array) == SAMPLE_RATE

    def test_unsupported(self):
        with pytest.raises(AudioError, match="unsupported audio value of type int"):
            audio.load_audio(3, item_id="q1")
        with pytest.raises(AudioError, match="neither"):
            audio.load_audio({"foo": 1}, item_id="q1")


class TestAblate:
    def test_silence_clip_length(self):
        out = ablations.ablate(Audio(tone(seconds=2.0)), "silence")
        assert out.duration == 2.0 and not out.array.any()

    def test_noise_fixed_length_seeded(self):
        a = ablations.ablate(Audio(tone()), "noise", length=30.0, seed=1)
        b = ablations.ablate(Audio(tone()), "noise", length=30.0, seed=1)
        assert a.duration == 30.0 and a.array.std() > 0.05
        np.testing.assert_array_equal(a.array, b.array)

    def test_unknown(self):
        with pytest.raises(ValueError, match="unknown ablation 'pink'"):
            ablations.ablate(Audio(tone()), "pink")
