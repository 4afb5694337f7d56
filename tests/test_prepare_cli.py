"""``audiomcq prepare`` and ``audiomcq validate`` end to end, bad input included."""

from __future__ import annotations

import json

import pytest

from audiomcq_plugins.benchmarks import prepare as prep
from audiomcq_plugins.benchmarks.fixtures import WRITERS, write_fixture
from audiomcq_plugins.cli import main
from audiomcq_plugins.items import load_items
from tests.bench_helpers import real_data_dir


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.delenv("AUDIOMCQ_DATA_DIR", raising=False)


def _prepare(name, src, out, *extra):
    return main(["prepare", name, "--source", str(src), "--out", str(out), "--no-progress", *extra])


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_prepare_then_validate_every_layout(name, tmp_path, capsys):
    src = write_fixture(name, tmp_path / "src", n=5, seed=1)
    assert _prepare(name, src, tmp_path / "out", "--workers", "1") == 0
    items = load_items(tmp_path / "out" / f"{name}.jsonl")
    assert len(items) == 5 and all(it.breakdown["duration"] > 0.4 for it in items)
    meta = json.loads((tmp_path / "out" / f"{name}.meta.json").read_text())
    assert meta["audio_checked"] and meta["summary"]["items"] == 5 and meta["content_hash"]
    assert not list((tmp_path / "out").glob(".*progress*"))
    capsys.readouterr()
    assert main(["validate", str(tmp_path / "out" / f"{name}.jsonl")]) == 0
    assert "0 error(s) in 0 item(s), 0 warning(s)" in capsys.readouterr().out
    assert _prepare(name, src, tmp_path / "out") == 0
    assert "already up to date" in capsys.readouterr().out


def test_embedded_audio_is_extracted_under_the_output(tmp_path):
    src = write_fixture("mmsu", tmp_path / "src", n=3)
    result = prep.prepare("mmsu", src, tmp_path / "out", workers=1, progress=False)
    items = load_items(result.path)
    assert all(it.audio.path.startswith("audio/") for it in items)
    assert all((tmp_path / "out" / it.audio.path).is_file() for it in items)


def test_parallel_and_serial_outputs_are_identical(tmp_path):
    src = write_fixture("synth", tmp_path / "src", n=12)
    one = prep.prepare("audiomcq_synth", src, tmp_path / "w1", workers=1, progress=False)
    two = prep.prepare("audiomcq_synth", src, tmp_path / "w2", workers=2, progress=False)
    assert one.path.read_text() == two.path.read_text()
    assert one.summary == two.summary and one.summary["question_type"]


def test_an_interrupted_run_leaves_no_output_and_resumes(tmp_path, monkeypatch):
    src = write_fixture("synth", tmp_path / "src", n=8)
    calls = []
    from audiomcq_plugins.benchmarks import clip_check

    real = clip_check.check_clip

    def flaky(job):
        if len(calls) == 3:
            raise KeyboardInterrupt
        calls.append(job[0])
        return real(job)

    monkeypatch.setattr(clip_check, "check_clip", flaky)
    with pytest.raises(KeyboardInterrupt):
        prep.prepare("audiomcq_synth", src, tmp_path / "out", workers=1, progress=False)
    assert not (tmp_path / "out" / "audiomcq_synth.jsonl").exists()
    monkeypatch.setattr(clip_check, "check_clip", real)
    result = prep.prepare("audiomcq_synth", src, tmp_path / "out", workers=1, progress=False)
    assert result.resumed == 3 and result.n_items == 8
    assert len(load_items(result.path)) == 8


def test_changed_source_is_prepared_again(tmp_path):
    src = write_fixture("mmar", tmp_path / "src", n=3)
    assert prep.prepare("mmar", src, tmp_path / "out", skip_audio=True, progress=False).n_items == 3
    meta = src / "MMAR-meta.jsonl"
    meta.write_text(meta.read_text().splitlines(keepends=True)[0])
    again = prep.prepare("mmar", src, tmp_path / "out", skip_audio=True, progress=False)
    assert not again.up_to_date and again.n_items == 1


def test_real_metadata_prepares_with_skip_audio(tmp_path, capsys):
    data = real_data_dir()
    for name in ("mmau_test_mini", "mmar"):
        assert _prepare(name, data, tmp_path, "--skip-audio") == 0
        out = capsys.readouterr().out
        assert f"{name}: 1000 items" in out and "by sub-category:" in out
        assert len(load_items(tmp_path / f"{name}.jsonl")) == 1000
    assert main(["validate", str(tmp_path / "mmar.jsonl"), "--skip-audio"]) == 0
    # MMAU's 27 items with duplicate choices are kept and reported as warnings, not hidden;
    # --strict makes them fatal
    mmau = str(tmp_path / "mmau_test_mini.jsonl")
    assert main(["validate", mmau, "--skip-audio"]) == 0
    assert "0 error(s) in 0 item(s), 27 warning(s)" in capsys.readouterr().out
    assert main(["validate", mmau, "--skip-audio", "--strict"]) == 1
    assert "27 error(s) in 27 item(s)" in capsys.readouterr().out


# -- bad input -------------------------------------------------------------------------------


def _mmar_with(tmp_path, change):
    src = write_fixture("mmar", tmp_path / "src", n=4)
    path = src / "MMAR-meta.jsonl"
    records = [json.loads(x) for x in path.read_text().splitlines()]
    change(src, records)
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return src, records


@pytest.mark.parametrize(
    "case, expected",
    [
        ("missing", "file not found"),
        ("corrupt", "cannot decode"),
        ("escape", "escapes the data root"),
    ],
)
def test_bad_audio_names_the_item_and_writes_nothing(case, expected, tmp_path, capsys):
    saved = {}

    def change(src, records):
        rec = records[2]
        wav = src / rec["audio_path"]
        saved[wav] = wav.read_bytes()
        if case == "missing":
            wav.unlink()
        elif case == "corrupt":
            wav.write_bytes(b"RIFF\x00\x00garbage" * 10)
        else:
            (tmp_path / "outside.wav").write_bytes(wav.read_bytes())
            rec["audio_path"] = "../outside.wav"

    src, records = _mmar_with(tmp_path, change)
    bad_id = records[2]["id"]
    assert _prepare("mmar", src, tmp_path / "out", "--workers", "1") == 1
    err = capsys.readouterr().err
    assert bad_id in err and expected in err and "--skip-bad-audio" in err
    assert not (tmp_path / "out" / "mmar.jsonl").exists()
    assert bad_id in (tmp_path / "out" / "mmar.problems.txt").read_text()
    # opting out of the bad items completes the run and records what was left out
    assert _prepare("mmar", src, tmp_path / "out", "--skip-bad-audio") == 0
    meta = json.loads((tmp_path / "out" / "mmar.meta.json").read_text())
    assert meta["skipped"]["bad_audio"] == [bad_id] and meta["n_items"] == 3
    assert not (tmp_path / "out" / "mmar.problems.txt").exists()
    if case != "escape":  # once the clip is fixed, a re-run checks it again and keeps the item
        for wav, data in saved.items():
            wav.write_bytes(data)
        assert _prepare("mmar", src, tmp_path / "out") == 0
        assert len(load_items(tmp_path / "out" / "mmar.jsonl")) == 4


def test_missing_column_is_a_clear_cli_error(tmp_path, capsys):
    src, records = _mmar_with(tmp_path, lambda s, rs: [r.pop("choices") for r in rs])
    assert _prepare("mmar", src, tmp_path / "out", "--skip-audio") == 2
    err = capsys.readouterr().err
    assert "'choices'" in err and records[0]["id"] in err and "--field" in err
    assert not (tmp_path / "out" / "mmar.jsonl").exists()


def test_field_option_maps_a_renamed_column(tmp_path):
    def rename(src, records):
        for r in records:
            r["options"] = r.pop("choices")

    src, _ = _mmar_with(tmp_path, rename)
    assert (
        _prepare("mmar", src, tmp_path / "out", "--skip-audio", "--field", "choices=options") == 0
    )


def test_answer_outside_choices_lists_ids_or_is_skipped(tmp_path, capsys):
    src, records = _mmar_with(tmp_path, lambda s, rs: rs[1].update(answer="nothing offered"))
    assert _prepare("mmar", src, tmp_path / "out", "--skip-audio") == 1
    err = capsys.readouterr().err
    assert records[1]["id"] in err and "nothing offered" in err
    assert _prepare("mmar", src, tmp_path / "out", "--skip-audio", "--skip-invalid") == 0
    assert records[1]["id"] in capsys.readouterr().out
    assert len(load_items(tmp_path / "out" / "mmar.jsonl")) == 3


def test_validate_reports_every_problem_at_once(tmp_path, capsys):
    src = write_fixture("synth", tmp_path / "src", n=4)
    result = prep.prepare("audiomcq_synth", src, tmp_path / "out", progress=False, workers=1)
    lines = result.path.read_text().splitlines()
    recs = [json.loads(x) for x in lines]
    recs[0]["answer"] = "not an option"
    recs[1]["audio"] = "../../escape.wav"
    recs[2]["id"] = recs[3]["id"]
    (src / "audio" / "synth" / f"{recs[3]['id']}.wav").unlink()
    bad = tmp_path / "bad.jsonl"
    bad.write_text("".join(json.dumps(r) + "\n" for r in recs))
    assert main(["validate", str(bad), "--data-root", str(src)]) == 1
    out = capsys.readouterr().out
    assert "'answer'" in out and "escapes the data root" in out and "duplicate id" in out
    assert "file not found" in out and "4 error(s) in 3 item(s)" in out
    assert main(["validate", str(bad), "--data-root", str(src), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert {p["field"] for p in report["problems"]} == {"answer", "audio", "id"}
