"""Each loader on its fixture layout, the real metadata, and the normalisation of quirks."""

from __future__ import annotations

import json

import pytest

from audiomcq_plugins.audio import load_audio
from audiomcq_plugins.benchmarks import MissingColumnError, get_spec, load_benchmark
from audiomcq_plugins.benchmarks.fixtures import WRITERS, write_fixture
from audiomcq_plugins.benchmarks.mmau import write_submission
from audiomcq_plugins.items import ValidationError, validate_items
from tests.bench_helpers import real_data_dir


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.delenv("AUDIOMCQ_DATA_DIR", raising=False)


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_each_layout_loads_into_valid_canonical_items(name, tmp_path):
    root = write_fixture(name, tmp_path, n=6, seed=4)
    spec = get_spec(name)
    loaded = spec.load(root)
    assert [it.benchmark for it in loaded.items] == [name] * 6
    assert len({it.id for it in loaded.items}) == 6
    problems = validate_items(
        loaded.items, data_root=loaded.data_root, answer_required=not spec.answers_withheld
    )
    assert problems == []
    for it in loaded.items:
        assert it.source, "the untouched source record is kept"
        assert load_audio(it.audio, loaded.data_root, it.id).duration > 0.4
        if not spec.answers_withheld:
            assert it.choices[it.answer_index] == it.answer
        assert it.field(spec.breakdowns[0]) is not None, (name, spec.breakdowns[0])


def test_mmau_test_has_no_answers_and_writes_a_submission(tmp_path):
    loaded = load_benchmark("mmau_test", write_fixture("mmau_test", tmp_path / "src", n=3))
    assert all(it.answer == "" and it.answer_index is None for it in loaded.items)
    preds = {it.id: f"prediction {k}" for k, it in enumerate(loaded.items)}
    out = tmp_path / "submission.json"
    write_submission(loaded.items, preds, out)
    records = json.loads(out.read_text())
    assert [r["model_output"] for r in records] == list(preds.values())
    assert records[0]["audio_id"].startswith("./test-audios/")  # source record round-trips
    with pytest.raises(ValueError, match="no prediction"):
        write_submission(loaded.items, {}, out)


def test_fixture_quirks_are_normalised_and_summarised(tmp_path):
    loaded = load_benchmark("mmar", write_fixture("mmar", tmp_path, n=6, quirks=True))
    q = loaded.quirks
    assert q["whitespace_stripped"]["count"] == 1 and q["empty_choice_dropped"]["count"] == 1
    assert q["duplicate_choices"]["count"] == 1  # kept, flagged
    items = loaded.items
    assert items[1].answer == items[1].answer.strip() and items[1].answer in items[1].choices
    assert len(items[3].choices) == 5 and "" not in items[4].choices
    assert len(set(items[2].choices)) < len(items[2].choices)
    mmau = load_benchmark("mmau_test_mini", write_fixture("mmau", tmp_path / "m", quirks=True))
    assert mmau.quirks["category_is_list"]["count"] == 1
    assert isinstance(mmau.items[0].field("category"), str)


def _rewrite(path, change):
    records = json.loads(path.read_text())
    change(records)
    path.write_text(json.dumps(records))


def test_answer_outside_choices_is_an_error_listing_ids_unless_skipped(tmp_path):
    root = write_fixture("mmau_test_mini", tmp_path, n=5)
    meta = root / "mmau-test-mini.json"

    def corrupt(records):
        records[1]["answer"] = "a sound nobody offered"
        records[3]["answer"] = ["one", "two"]  # a multi-answer leftover

    _rewrite(meta, corrupt)
    ids = [r["id"] for r in json.loads(meta.read_text())]
    with pytest.raises(ValidationError) as info:
        load_benchmark("mmau_test_mini", root)
    assert {p.item_id for p in info.value.problems} == {ids[1], ids[3]}
    assert "skip_invalid" in str(info.value) and ids[1] in str(info.value)
    loaded = load_benchmark("mmau_test_mini", root, skip_invalid=True)
    assert [it.id for it in loaded.items] == [ids[0], ids[2], ids[4]]
    assert loaded.quirks["skipped"] == sorted([ids[1], ids[3]])
    assert loaded.quirks["multi_answer"]["ids"] == [ids[3]]


def test_answer_with_other_case_maps_to_its_single_choice(tmp_path):
    root = write_fixture("mmau_test_mini", tmp_path, n=2)
    meta = root / "mmau-test-mini.json"
    _rewrite(meta, lambda rs: rs[0].update(answer=rs[0]["answer"].upper()))
    item = load_benchmark("mmau_test_mini", root).items[0]
    assert item.answer in item.choices


def test_missing_column_names_column_items_and_the_remedy(tmp_path):
    root = write_fixture("dcase", tmp_path, n=3)
    lines = [json.loads(x) for x in (root / "dev.jsonl").read_text().splitlines()]
    for r in lines:
        r["choices"] = r.pop("multi_choice")
    (root / "dev.jsonl").write_text("".join(json.dumps(r) + "\n" for r in lines))
    with pytest.raises(MissingColumnError) as info:
        load_benchmark("dcase2026_task5_dev", root)
    msg = str(info.value)
    assert "'multi_choice'" in msg and "dev_0_00000" in msg and "fields=" in msg
    fixed = load_benchmark("dcase2026_task5_dev", root, fields={"choices": "choices"})
    assert len(fixed.items) == 3


def test_audiomcq_field_map_cot_fields_and_per_source_roots(tmp_path):
    root = write_fixture("audiomcq", tmp_path, n=4)
    loaded = load_benchmark("audiomcq", root)
    assert {it.field("source_dataset") for it in loaded.items} == {"clotho", "musiccaps"}
    assert loaded.items[0].audio.path.startswith("audio/clotho/development/")
    assert {it.audio_contribution for it in loaded.items} <= {"weak", "strong"}
    assert set(loaded.items[0].cot) == {"structured_cot", "simple_cot"}
    picked = load_benchmark("audiomcq", root, cot_fields={"structured": "structured_cot"})
    assert set(picked.items[0].cot) == {"structured"}
    with pytest.raises(MissingColumnError, match="'cot_stage'"):
        load_benchmark("audiomcq", root, cot_fields={"structured": "cot_stage"})
    # sources kept elsewhere: an explicit audio base and per-source roots under it
    (tmp_path / "corpora").mkdir()
    (root / "audio").rename(tmp_path / "corpora" / "sets")
    moved = load_benchmark(
        "audiomcq",
        root,
        audio_base=tmp_path / "corpora",
        audio_roots={"clotho": "sets/clotho", "musiccaps": "sets/musiccaps"},
    )
    assert validate_items(moved.items, data_root=moved.data_root) == []


def test_strongac_items_are_strong_with_gemini_cot(tmp_path):
    loaded = load_benchmark("audiomcq_strongac_geminicot", write_fixture("strongac", tmp_path))
    assert {it.audio_contribution for it in loaded.items} == {"strong"}
    assert all("gemini_cot" in it.cot for it in loaded.items)


def test_mmsu_embedded_audio_and_letter_columns(tmp_path):
    loaded = load_benchmark("mmsu", write_fixture("mmsu", tmp_path, n=4))
    item = loaded.items[0]
    assert item.audio.embedded and item.audio.data[:4] == b"RIFF"
    assert "bytes" not in item.source["audio"]  # the source record stays JSON-able
    assert item.source["choice_a"] == item.choices[0] and item.answer == item.source["answer_gt"]


def test_real_mmau_test_mini_metadata_loads_in_full():
    loaded = load_benchmark("mmau_test_mini", real_data_dir(), hub=False)
    q = loaded.quirks
    assert len(loaded.items) == 1000 and q["skipped"] == []
    assert q["content_hash_matches_pin"] is True
    assert q["n_choices"] == {"2": 27, "4": 948, "5": 24, "8": 1}
    assert q["category_is_list"]["count"] == 13 and q["duplicate_choices"]["count"] == 27
    assert q["answer_position"]["A"] == 395
    assert {it.field("category") for it in loaded.items} == {"Reasoning", "Information Extraction"}
    assert {it.field("task") for it in loaded.items} == {"sound", "music", "speech"}
    assert all(it.audio.path.startswith("test-mini-audios/") for it in loaded.items)
    assert all(it.answer in it.choices for it in loaded.items)


def test_real_mmar_metadata_loads_in_full():
    loaded = load_benchmark("mmar", real_data_dir(), hub=False)
    q = loaded.quirks
    assert len(loaded.items) == 1000 and q["skipped"] == []
    assert q["content_hash_matches_pin"] is True
    # four items end with an empty leftover option, dropped from the end (letters unchanged)
    assert q["empty_choice_dropped"]["count"] == 4
    assert sum(q["n_choices"].values()) == 1000
    assert len({it.field("modality") for it in loaded.items}) == 7
    assert all(it.answer in it.choices for it in loaded.items)
    assert all(it.audio.path.startswith("audio/") for it in loaded.items)


def test_mmar_old_json_metadata_loads_like_the_jsonl(tmp_path):
    root = write_fixture("mmar", tmp_path, n=3)
    new = root / "MMAR-meta.jsonl"
    records = [json.loads(x) for x in new.read_text().splitlines()]
    (root / "MMAR-meta.json").write_text(json.dumps(records))
    new.unlink()
    loaded = load_benchmark("mmar", root)
    assert [it.id for it in loaded.items] == [r["id"] for r in records]
