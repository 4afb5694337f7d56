"""Labelling, subsets and the report end to end: real lm-eval runs of tiny models, offline."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

pytest.importorskip("lm_eval")
pytest.importorskip("transformers")

from audiomcq_plugins.models.tiny import build_tiny_model  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("contribution")]
META = {"load_options": {"n": 8, "max_seconds": 0.5}}
GEN = ["--", "--gen_kwargs", "max_gen_toks=4"]


def cli(*args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "audiomcq_plugins", *args],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        start_new_session=True, **kwargs,
    )  # fmt: skip


def finish(proc: subprocess.Popen) -> None:
    _, err = proc.communicate(timeout=900)
    assert proc.returncode == 0, err[-3000:]


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    root = tmp_path_factory.mktemp("contribution")
    models = [build_tiny_model("qwen2.5-omni", root / f"m{s}", seed=s) for s in (0, 1)]
    return {"root": root, "models": models}


def label_args(env, out, work):
    specs = [f"audiomcq-hf:pretrained={m},device=cpu,batch_size=4" for m in env["models"]]
    return ["contribution", "label", "--benchmark", "audiomcq_synth", "--rule", "1/2", "--out",
            str(out), "--work", str(work), "--metadata", json.dumps(META), "--models", *specs,
            *GEN]  # fmt: skip


@pytest.fixture(scope="module")
def labelled(env):
    out = env["root"] / "a.jsonl"
    finish(cli(*label_args(env, out, env["root"] / "a.work")))
    return out


def test_labels_complete_and_a_killed_run_resumes_to_the_same_bytes(env, labelled):
    lines = labelled.read_text().splitlines()
    head, rows = json.loads(lines[0]), [json.loads(x) for x in lines[1:]]
    assert len(rows) == 8 and [r["id"] for r in rows] == sorted(r["id"] for r in rows)
    assert all(r["label"] in ("weak", "strong") and len(r["votes"]) == 2 for r in rows)
    assert head["rule"] == "1/2" and len(head["probes"]) == 2
    assert head["benchmark"]["content_hash"] and head["probes"][0]["versions"]["lm-eval"]
    for r in rows:
        assert r["label"] == (
            "weak" if any(v["correct"] for v in r["votes"].values()) else "strong"
        )

    out, work = env["root"] / "b.jsonl", env["root"] / "b.work"
    proc = cli(*label_args(env, out, work))
    log = work / "log.jsonl"
    while proc.poll() is None and not (log.is_file() and log.read_text().strip()):
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)  # killed while the second model runs
    proc.wait()
    assert not out.exists() and len(log.read_text().splitlines()) == 1
    finish(cli(*label_args(env, out, work)))
    assert out.read_bytes() == labelled.read_bytes()


def test_shards_merge_into_the_labels_of_one_run(env, labelled):
    dirs = []
    for s in range(2):
        d = env["root"] / f"shard{s}"
        meta = json.dumps({**META, "shard": f"{s}/2"})
        finish(cli("eval", "--model", "audiomcq-hf", "--model_args",
                   f"pretrained={env['models'][0]}", "--device", "cpu", "--tasks",
                   "audiomcq_synth_silent", "--metadata", meta, "--gen_kwargs", "max_gen_toks=4",
                   "--log_samples", "--output_path", str(d)))  # fmt: skip
        dirs.append(str(d))
    out = env["root"] / "sharded.jsonl"
    (other,) = map(str, (env["root"] / "a.work" / "probes").glob("1-*"))  # the second probe
    finish(cli("contribution", "label", "--benchmark", "audiomcq_synth", "--rule", "1/2",
               "--from-samples", *dirs, other, "--out", str(out)))  # fmt: skip
    assert out.read_text().splitlines()[1:] == labelled.read_text().splitlines()[1:]
    head = json.loads(out.read_text().splitlines()[0])
    assert head["probes"][0]["shards"] == ["0/2", "1/2"]


def test_acstrong_holds_exactly_the_strong_items_and_the_report_matches(env, tmp_path):
    from lm_eval import simple_evaluate

    from audiomcq_plugins.benchmarks.synth import SynthConfig, make_example
    from audiomcq_plugins.contribution.report import collect, write_report
    from audiomcq_plugins.integrations.lm_eval import register, task_manager

    ids = [make_example(i, SynthConfig(max_seconds=0.5))[0]["id"] for i in range(8)]
    labels = tmp_path / "labels.jsonl"
    mine = {i: ("strong" if k in (0, 3, 4) else "weak") for k, i in enumerate(ids)}
    labels.write_text("".join(json.dumps({"id": i, "label": v}) + "\n" for i, v in mine.items()))
    register()
    meta = {**META, "contribution_labels": {"audiomcq_synth": str(labels)}}
    out = simple_evaluate(
        model="audiomcq-hf", model_args={"pretrained": str(env["models"][0]), "device": "cpu"},
        tasks=["audiomcq_synth_acstrong", "audiomcq_synth"], gen_kwargs="max_gen_toks=4",
        task_manager=task_manager(include_defaults=False, metadata=meta), log_samples=True,
    )  # fmt: skip
    got = sorted(s["doc"]["id"] for s in out["samples"]["audiomcq_synth_acstrong"])
    assert got == sorted(i for i, v in mine.items() if v == "strong")
    assert out["results"]["audiomcq_synth"]["n_acstrong,none"] == 3
    assert out["results"]["audiomcq_synth"]["n_acweak,none"] == 5

    results = tmp_path / "results"
    for task in ("audiomcq_synth", "audiomcq_synth_silent"):
        finish(cli("eval", "--model", "audiomcq-hf", "--model_args",
                   f"pretrained={env['models'][1]}", "--device", "cpu", "--tasks", task,
                   "--metadata", json.dumps(meta), "--gen_kwargs", "max_gen_toks=4",
                   "--log_samples", "--output_path", str(results)))  # fmt: skip
    report = write_report([results], tmp_path / "report", with_html=True)
    data = json.loads((tmp_path / "report" / "report.json").read_text())
    assert report.is_file() and (tmp_path / "report" / "audiomcq_synth.png").stat().st_size
    raw = {}
    for f in results.rglob("results_*.json"):
        raw.update(json.loads(f.read_text())["results"])
    (row,) = data
    clip, silent = raw["audiomcq_synth"], raw["audiomcq_synth_silent"]
    assert row["acc_clip"] == clip["acc,none"] and row["acc_silent"] == silent["acc,none"]
    assert row["audio_reliance"] == clip["acc,none"] - silent["acc,none"]
    assert row["n_acstrong"] == 3 == clip["n_acstrong,none"]
    assert row["breakdowns"]["acc_question_type_sound"]["clip"] == pytest.approx(
        clip["acc_question_type_sound,none"], nan_ok=True
    )
    assert row["paired_items"] == 8 and 0.0 <= row["changed_share"] <= 1.0
    assert f"| {collect([results])[0].model} |" in report.read_text()


def test_no_labels_is_a_clear_error(tmp_path):
    from audiomcq_plugins.benchmarks.fixtures import write_fixture
    from audiomcq_plugins.integrations.lm_eval.tasks import load_dataset

    write_fixture("mmar", tmp_path / "mmar", n=4, max_seconds=0.5)
    with pytest.raises(ValueError, match="mmar ships none; make labels with `audiomcq contri"):
        load_dataset(benchmark="mmar", data_dir=str(tmp_path), subset="strong")
    bad = tmp_path / "l.jsonl"
    bad.write_text('{"id": "nope", "label": "weak"}\n')
    with pytest.raises(ValueError, match="no label for 4 of 4 mmar items"):
        load_dataset(benchmark="mmar", data_dir=str(tmp_path), contribution_labels=str(bad))
