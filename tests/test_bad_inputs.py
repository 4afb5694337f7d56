"""The bad-input matrix: every command x every kind of bad input ends in one clear error
(status 1 or 2, the culprit named, no traceback) or the right result. Grows with each command.

In-process through ``audiomcq_plugins.cli.main``; interruptions are in ``test_interrupts.py``.
"""

from __future__ import annotations

import re

import pytest

from audiomcq_plugins.cli import main


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.delenv("AUDIOMCQ_DATA_DIR", raising=False)


def _one_clear_error(capsys, rc: int, *patterns: str) -> str:
    """Assert a non-zero status and a stderr without traceback matching every pattern."""
    err = capsys.readouterr().err
    assert rc != 0, err
    assert "Traceback" not in err, err
    for pattern in patterns:
        assert re.search(pattern, err, re.S), err
    return err


# --- eval: checked before the model loads ------------------------------------------------


def test_eval_nonexistent_model_path_is_one_line(capsys):
    rc = main(["eval", "--model", "audiomcq-hf", "--model_args", "pretrained=/nonexistent/x",
               "--tasks", "mmau_test_mini"])  # fmt: skip
    err = _one_clear_error(capsys, rc, r"pretrained=/nonexistent/x: no such directory")
    assert len(err.strip().splitlines()) == 1


def test_eval_missing_data_is_reported_before_the_model_loads(tmp_path, capsys):
    # pretrained names an existing directory holding no model: had the model loaded first,
    # the error would be about the checkpoint, not the data.
    (tmp_path / "model").mkdir()
    model_args = f"pretrained={tmp_path / 'model'}"
    rc = main(["eval", "--data-dir", str(tmp_path / "nodata"), "--model", "audiomcq-hf",
               "--model_args", model_args, "--tasks", "mmau_test_mini"])  # fmt: skip
    _one_clear_error(capsys, rc, r"mmau_test_mini: data not found", r"--data-dir DIR")


# --- audio: hostile headers are bounded --------------------------------------------------


def _wav(path, seconds: float, sr: int):
    import numpy as np

    from audiomcq_plugins.benchmarks.fixtures import wav_bytes

    path.write_bytes(wav_bytes(np.zeros(int(seconds * 16_000), dtype=np.float32), sr=sr))
    return path


@pytest.mark.parametrize("sr", [1, 100, 3_999])
def test_absurd_sample_rate_is_refused_before_decoding(sr, tmp_path):
    from audiomcq_plugins.audio import AudioError, decode

    path = _wav(tmp_path / "evil.wav", 1.0, sr)  # 32 KB declaring 16,000 s at 1 Hz
    with pytest.raises(AudioError, match=rf"evil\.wav.*sample rate of {sr} Hz"):
        decode(path, item_id="x1")
    with pytest.raises(AudioError, match=rf"sample rate of {sr} Hz"):
        decode(path.read_bytes())


def test_decoded_length_is_capped(tmp_path, monkeypatch):
    from audiomcq_plugins import audio

    monkeypatch.setattr(audio, "MAX_SECONDS", 1)
    path = _wav(tmp_path / "long.wav", 2.0, 16_000)
    with pytest.raises(audio.AudioError, match=r"long\.wav.*declares 2 s of audio \(over 1 s\)"):
        audio.decode(path)
    assert audio.decode(_wav(tmp_path / "ok.wav", 0.5, 8_000)).duration == pytest.approx(1.0)
