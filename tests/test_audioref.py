"""AudioRef: where one item's clip is, and the canonical JSONL shape it keeps."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from audiomcq_plugins import audio
from audiomcq_plugins.audioref import AudioRef, describe
from audiomcq_plugins.items import Item, load_items, validate_items, write_items

OLD_LINE = {
    "id": "q1",
    "benchmark": "synth",
    "split": "test",
    "audio": "clips/a.wav",
    "question": "Which sound?",
    "choices": ["dog", "cat"],
    "answer": "cat",
    "answer_index": 1,
    "audio_contribution": None,
    "cot": {},
    "source": {},
    "task": "sound",
}


def wav_bytes(tmp_path: Path) -> bytes:
    audio.write_audio(tmp_path / "t.wav", np.zeros(1600, np.float32))
    return (tmp_path / "t.wav").read_bytes()


class TestAudioRef:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("a.wav", AudioRef(path="a.wav")),
            (Path("d/a.wav"), AudioRef(path="d/a.wav")),
            (b"RIFF", AudioRef(data=b"RIFF")),
            (bytearray(b"RIFF"), AudioRef(data=b"RIFF")),
            ({"bytes": b"RIFF", "path": "x.flac"}, AudioRef(path="x.flac", data=b"RIFF")),
            ({"bytes": None, "path": "x.flac"}, AudioRef(path="x.flac")),
            ({"bytes": b"", "path": "x.flac"}, AudioRef(path="x.flac")),
            ({"bytes": None, "path": None}, AudioRef()),
            (None, None),
        ],
    )
    def test_of_reads_every_source_form(self, value, expected):
        assert AudioRef.of(value) == expected
        assert AudioRef.of(expected) is expected

    @pytest.mark.parametrize("value", [5, ["a.wav"], {"array": [0.0], "sampling_rate": 16}])
    def test_other_values_are_refused_naming_item_and_value(self, value):
        with pytest.raises(ValueError, match=r"item q9: field 'audio' = .*expected a path"):
            AudioRef.of(value, "q9")

    def test_old_jsonl_reads_and_writes_back_the_same_shape(self, tmp_path):
        path = tmp_path / "old.jsonl"
        path.write_text(json.dumps(OLD_LINE) + "\n")
        (item,) = load_items(path)
        assert item.audio == AudioRef(path="clips/a.wav")
        write_items([item], tmp_path / "new.jsonl")
        assert json.loads((tmp_path / "new.jsonl").read_text()) == OLD_LINE
        text_only = Item.from_dict({**OLD_LINE, "audio": None})
        assert text_only.audio is None and text_only.to_dict()["audio"] is None

    def test_embedded_bytes_are_not_written_to_jsonl(self):
        item = Item.from_dict({**OLD_LINE, "audio": {"bytes": b"RIFF", "path": "a.wav"}})
        with pytest.raises(TypeError, match="item q1: inline audio bytes"):
            item.to_dict()

    def test_bad_audio_in_a_file_names_the_line(self, tmp_path):
        path = tmp_path / "bad.jsonl"
        path.write_text(json.dumps({**OLD_LINE, "audio": 7}) + "\n")
        with pytest.raises(ValueError, match=r"bad.jsonl:1: .*field 'audio' = 7"):
            load_items(path)

    def test_both_forms_load_and_a_missing_clip_is_reported(self, tmp_path):
        data = wav_bytes(tmp_path)
        by_path = audio.load_audio(AudioRef(path="t.wav"), data_root=tmp_path)
        by_bytes = audio.load_audio(AudioRef(path="orig.wav", data=data))
        assert by_path.duration == by_bytes.duration == pytest.approx(0.1)
        with pytest.raises(audio.AudioError, match="item z: .*names no clip"):
            audio.load_audio(AudioRef(), item_id="z")
        nothing = Item.from_dict({**OLD_LINE, "audio": {"path": None}})
        (problem,) = validate_items([nothing], data_root=tmp_path)
        assert problem.field == "audio" and "names no clip" in problem.message

    def test_suffix_and_description(self):
        assert AudioRef(path="a/B.FLAC").suffix() == ".flac"
        assert AudioRef(data=b"x").suffix() == ".wav"
        assert describe(AudioRef(path="a.wav")) == "a.wav"
        assert describe(AudioRef(path="a.wav", data=b"123")) == "<3 embedded bytes from 'a.wav'>"
        assert (
            describe({"bytes": b"12", "path": "p", "array": [1]})
            == "{'bytes': '<2 bytes>', 'path': 'p'}"
        )
        assert "embedded" in str(AudioRef(data=b"x"))
