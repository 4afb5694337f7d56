"""Canonical items -> TRL-ready JSONL (`audiomcq train prepare-data`) and its validation."""

from __future__ import annotations

import json
import sys

import pytest

from audiomcq_plugins.items import ValidationError, read_jsonl
from tests.processes import run
from tests.trl_fixtures import subprocess_env, write_items


def test_prepare_layout_and_rows(tmp_path):
    from audiomcq_plugins.integrations.trl.data import prepare, validate_dataset
    from audiomcq_plugins.prompts import AUDIOMCQ_SYSTEM_PROMPT

    items = write_items(tmp_path / "clips", 8, weak_every=4)
    manifest = prepare(items, tmp_path / "clips", tmp_path / "trl")
    assert manifest["counts"] == {"weak": 2, "strong": 6, "mixed": 8}
    for stage in ("sft", "grpo"):
        for subset, n in manifest["counts"].items():
            assert validate_dataset(tmp_path / "trl" / stage / subset, stage) == n
    sft = list(read_jsonl(tmp_path / "trl" / "sft" / "weak" / "train.jsonl"))
    grpo = list(read_jsonl(tmp_path / "trl" / "grpo" / "weak" / "train.jsonl"))
    assert [r["id"] for r in sft] == [r["id"] for r in grpo] == ["t3", "t7"]
    row = grpo[0]
    assert row["solution"] == "high" and row["choices"] == ["low", "high"]
    assert (row["audio_contribution"], row["question_type"]) == ("weak", "pitch")
    system, user = row["prompt"]
    assert system["content"] == [{"type": "text", "text": AUDIOMCQ_SYSTEM_PROMPT}]
    audio, text = user["content"]
    assert audio == {"type": "audio", "audio": str((tmp_path / "clips" / "clip3.wav").resolve())}
    assert text["text"] == (
        "Is the tone high or low? Please choose the answer from the following options: "
        "['low', 'high']. Output the final answer in <answer> </answer>."
    )
    assert sft[0]["messages"][:2] == row["prompt"]
    assert sft[0]["messages"][2] == {
        "role": "assistant",
        "content": [{"type": "text", "text": "<answer>high</answer>"}],
    }
    assert sft[0]["images"] == []


def test_prepare_reports_every_problem_at_once(tmp_path):
    from audiomcq_plugins.integrations.trl.data import prepare

    items = write_items(tmp_path / "clips", 4)
    rows = list(read_jsonl(items))
    rows[0]["answer"] = "medium"
    rows[1]["audio"] = "missing.wav"
    rows[2]["audio"] = "../outside.wav"
    items.write_text("".join(json.dumps(r) + "\n" for r in rows))
    with pytest.raises(ValidationError) as err:
        prepare(items, tmp_path / "clips", tmp_path / "trl")
    text = str(err.value)
    assert "3 problem(s)" in text
    for expected in ("item t0: field 'answer'", "item t1: field 'audio'", "item t2: field 'audio'"):
        assert expected in text
    assert not (tmp_path / "trl").exists()


def test_validate_dataset_lists_everything_missing(tmp_path):
    from audiomcq_plugins.integrations.trl.data import validate_dataset

    path = tmp_path / "bad.jsonl"
    rows = [
        {
            "prompt": [{"role": "user", "content": [{"type": "audio", "audio": "rel.wav"}]}],
            "id": "a",
        },
        {"messages": [{"role": "user", "content": "hi"}], "id": "b", "solution": "x"},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    with pytest.raises(ValidationError) as err:
        validate_dataset(path, "grpo")
    text = str(err.value)
    for expected in (
        "item a: field 'audio' = 'rel.wav': must be an absolute path",
        "item a: field 'solution'",
        "item a: field 'choices'",
        "item b: field 'prompt'",
    ):
        assert expected in text
    with pytest.raises(FileNotFoundError, match="prepare-data"):
        validate_dataset(tmp_path / "nowhere", "sft")


def test_prepare_data_cli(tmp_path):
    items = write_items(tmp_path / "clips", 4)
    cmd = [sys.executable, "-m", "audiomcq_plugins", "train", "prepare-data", "--items", str(items)]
    cmd += ["--data-root", str(tmp_path / "clips"), "--out", str(tmp_path / "trl")]
    proc = run(cmd, env=subprocess_env(), timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["counts"]["mixed"] == 4
    bad = run(
        cmd[:-2] + ["--out", str(tmp_path / "x"), "--data-root", str(tmp_path)],
        env=subprocess_env(),
        timeout=120,
    )
    assert bad.returncode == 2 and "4 problem(s)" in bad.stderr


def _labels_file(path, labels: dict[str, str]):
    head = {"audiomcq_contribution_labels": 1, "task": "synth", "rule": "2/3"}
    lines = [json.dumps(head)]
    lines += [json.dumps({"id": k, "label": v}) for k, v in sorted(labels.items())]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_prepare_splits_by_voted_labels_not_the_shipped_ones(tmp_path):
    from audiomcq_plugins.integrations.trl.data import prepare

    items = write_items(tmp_path / "clips", 8, weak_every=4)  # shipped: t3, t7 weak
    voted = {f"t{i}": "weak" if i < 3 else "strong" for i in range(8)}
    labels = _labels_file(tmp_path / "labels.jsonl", voted)
    manifest = prepare(items, tmp_path / "clips", tmp_path / "trl", labels=labels)
    assert manifest["counts"] == {"weak": 3, "strong": 5, "mixed": 8}
    assert manifest["labels"] == str(labels.resolve())
    weak = list(read_jsonl(tmp_path / "trl" / "grpo" / "weak" / "train.jsonl"))
    assert [r["id"] for r in weak] == ["t0", "t1", "t2"]
    assert {r["audio_contribution"] for r in weak} == {"weak"}


def test_prepare_with_labels_that_miss_items_names_them(tmp_path):
    from audiomcq_plugins.integrations.trl.data import prepare

    items = write_items(tmp_path / "clips", 4)
    labels = _labels_file(tmp_path / "labels.jsonl", {"t0": "weak", "t1": "strong"})
    with pytest.raises(ValueError, match=r"no label for 2 of 4 .*'t2', 't3'.*contribution label"):
        prepare(items, tmp_path / "clips", tmp_path / "trl", labels=labels)
    assert not (tmp_path / "trl").exists()
