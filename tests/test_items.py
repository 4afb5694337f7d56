"""The canonical item and its validation."""

from __future__ import annotations

import json

import numpy as np
import pytest

from audiomcq_plugins import audio
from audiomcq_plugins.items import (
    Item,
    ValidationError,
    check_item,
    load_items,
    validate_items,
    write_items,
)


def make(**overrides) -> Item:
    base = dict(
        id="q1",
        benchmark="synth",
        split="test",
        audio="a.wav",
        question="Which sound?",
        choices=["dog", "cat", "car", "rain"],
        answer="cat",
        breakdown={"task": "sound"},
    )
    base.update(overrides)
    return Item(**base)


class TestItem:
    def test_answer_index_derived(self):
        assert make().answer_index == 1 and make().answer_letter == "B"

    def test_round_trip_flattens_breakdown(self, tmp_path):
        item = make(audio_contribution="weak", cot={"simple": "x"})
        d = item.to_dict()
        assert d["task"] == "sound" and "breakdown" not in d
        assert Item.from_dict(d) == item
        write_items([item], tmp_path / "x.jsonl")
        assert load_items(tmp_path / "x.jsonl") == [item]
        assert item.field("task") == "sound" and item.field("audio_contribution") == "weak"

    def test_bytes_refused_in_jsonl(self):
        with pytest.raises(TypeError, match="item q1: inline audio bytes"):
            make(audio=b"RIFF").to_dict()

    def test_load_names_bad_line(self, tmp_path):
        p = tmp_path / "bad.jsonl"
        p.write_text(json.dumps(make().to_dict()) + "\n{not json\n")
        with pytest.raises(ValueError, match=r"bad.jsonl:2: not valid JSON"):
            load_items(p)


class TestCheckItem:
    def test_clean(self):
        assert check_item(make()) == []

    @pytest.mark.parametrize("n", [2, 8])
    def test_choice_count_bounds_ok(self, n):
        choices = [f"c{i}" for i in range(n)]
        assert check_item(make(choices=choices, answer="c0")) == []

    @pytest.mark.parametrize("n", [1, 9])
    def test_choice_count_out_of_bounds(self, n):
        choices = [f"c{i}" for i in range(n)]
        (p,) = check_item(make(choices=choices, answer="c0"))
        assert p.field == "choices" and f"has {n} choices" in p.message

    def test_answer_outside(self):
        (p,) = check_item(make(answer="horse"))
        assert (p.item_id, p.field, p.value) == ("q1", "answer", "horse")
        assert "not one of the choices" in str(p)

    def test_duplicates_flagged_as_warning(self):
        item = make(choices=["dog", "Dog ", "cat", "car"], answer="cat")
        (p,) = check_item(item)
        assert (p.field, p.severity) == ("choices", "warning") and "duplicate" in p.message
        assert validate_items([item], check_audio=False) == []
        assert validate_items([item], check_audio=False, warnings=True) == [p]

    def test_withheld_answer_allowed_when_not_required(self):
        assert check_item(make(answer=""), answer_required=False) == []

    def test_bad_contribution(self):
        (p,) = check_item(make(audio_contribution="medium"))
        assert p.field == "audio_contribution"


class TestValidateItems:
    def test_reports_every_problem_at_once(self, tmp_path):
        t = np.zeros(1600, np.float32)
        audio.write_audio(tmp_path / "ok.wav", t)
        (tmp_path / "bad.wav").write_bytes(b"not audio at all")
        items = [
            make(id="ok", audio="ok.wav"),
            make(id="missing", audio="missing.wav"),
            make(id="corrupt", audio="bad.wav"),
            make(id="escape", audio="../x.wav"),
            make(id="wrong", audio="ok.wav", answer="horse"),
            make(id="ok", audio="ok.wav"),
        ]
        problems = validate_items(items, data_root=tmp_path)
        got = {(p.item_id, p.field) for p in problems}
        assert got == {
            ("missing", "audio"),
            ("corrupt", "audio"),
            ("escape", "audio"),
            ("wrong", "answer"),
            ("ok", "id"),
        }
        err = ValidationError(problems, "x.jsonl")
        assert "5 problem(s) in x.jsonl" in str(err) and "item escape" in str(err)

    def test_skip_audio(self, tmp_path):
        assert (
            validate_items([make(audio="missing.wav")], data_root=tmp_path, check_audio=False) == []
        )
