"""MMAU test submission files: from lm-eval samples (``audiomcq submission``) and after an
``audiomcq eval --log_samples`` run; incomplete runs are refused."""

from __future__ import annotations

import json
import os
import sys

import pytest

from audiomcq_plugins.benchmarks.fixtures import write_fixture
from audiomcq_plugins.benchmarks.spec import load_benchmark
from audiomcq_plugins.cli import main
from tests.processes import run

N = 4


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    write_fixture("mmau_test", root / "mmau_test", n=N, max_seconds=0.5)
    return root


def _samples(path, ids):
    """A samples file in lm-eval's --log_samples layout (doc + filtered_resps)."""
    rows = [
        {"doc_id": i, "doc": {"id": x}, "filtered_resps": [f"out {x}"]} for i, x in enumerate(ids)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_submission_round_trips_and_covers_every_item(data_dir, tmp_path, capsys):
    items = load_benchmark("mmau_test", data_dir=str(data_dir)).items
    samples = _samples(tmp_path / "samples_mmau_test_x.jsonl", [it.id for it in items])
    out = tmp_path / "sub.json"
    args = ["submission", str(samples), "--benchmark", "mmau_test", "--out", str(out)]
    assert main([*args, "--data-dir", str(data_dir)]) == 0
    assert "scored online" in capsys.readouterr().out
    records = json.loads(out.read_text())
    assert [r["id"] for r in records] == [it.id for it in items]
    for record, item in zip(records, items, strict=True):
        assert record == {**item.source, "model_output": f"out {item.id}"}
        assert record["answer"] == "" and record["choices"] == item.choices


def test_incomplete_run_is_refused(data_dir, tmp_path, capsys):
    items = load_benchmark("mmau_test", data_dir=str(data_dir)).items
    samples = _samples(tmp_path / "s.jsonl", [it.id for it in items[:-1]])
    out = tmp_path / "sub.json"
    args = ["submission", str(samples), "--benchmark", "mmau_test", "--out", str(out)]
    assert main([*args, "--data-dir", str(data_dir)]) == 2
    err = capsys.readouterr().err
    assert f"covers {N - 1} of {N} mmau_test items" in err and items[-1].id in err
    assert not out.exists()


def test_benchmark_without_submission_and_bad_samples_are_explained(data_dir, tmp_path, capsys):
    samples = _samples(tmp_path / "s.jsonl", ["x"])
    args = ["submission", str(samples), "--out", str(tmp_path / "o.json")]
    assert main([*args, "--benchmark", "mmau_test_mini"]) == 2
    assert "has no submission file" in capsys.readouterr().err
    (tmp_path / "bad.jsonl").write_text('{"doc": {}}\n')
    args = ["submission", str(tmp_path / "bad.jsonl"), "--out", str(tmp_path / "o.json")]
    assert main([*args, "--benchmark", "mmau_test", "--data-dir", str(data_dir)]) == 2
    assert "line 1: no 'doc.id'" in capsys.readouterr().err


@pytest.mark.slow
def test_audiomcq_eval_writes_the_submission_next_to_the_results(data_dir, tmp_path):
    pytest.importorskip("lm_eval")
    from audiomcq_plugins.models.tiny import build_tiny_model

    model = build_tiny_model("qwen2-audio", tmp_path / "model")
    out = tmp_path / "out"
    proc = run(
        [sys.executable, "-m", "audiomcq_plugins", "eval", "--data-dir", str(data_dir)]
        + ["--model", "audiomcq-hf", "--model_args", f"pretrained={model}", "--device", "cpu"]
        + ["--tasks", "mmau_test", "--gen_kwargs", "max_gen_toks=4"]
        + ["--output_path", str(out), "--log_samples"],
        env={**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"},
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    (submission,) = out.rglob("submission_mmau_test_*.json")
    assert "scored online" in proc.stderr and str(submission) in proc.stderr
    (results,) = out.rglob("results_*.json")
    assert submission.parent == results.parent
    records = json.loads(submission.read_text())
    items = load_benchmark("mmau_test", data_dir=str(data_dir)).items
    assert sorted(r["id"] for r in records) == sorted(it.id for it in items)
    assert all(isinstance(r["model_output"], str) for r in records)
