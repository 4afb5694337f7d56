"""``audiomcq report --labels``: the vote's section, against the labels a benchmark ships."""

from __future__ import annotations

import json
from pathlib import Path

from audiomcq_plugins.contribution import vote_report
from audiomcq_plugins.contribution.samples import Run

SHIPPED = {"i0": "weak", "i1": "weak", "i2": "strong", "i3": "strong"}
VOTED = {"i0": "weak", "i1": "strong", "i2": "weak", "i3": "strong"}


def a_run(task: str) -> Run:
    samples = [
        {"doc": {"record": json.dumps({"id": k, "audio_contribution": v})}}
        for k, v in SHIPPED.items()
    ]
    return Run(task, "audiomcq-hf", "pretrained=m", {}, samples, Path("x"), {})


def labels_file(tmp_path: Path) -> Path:
    head = {
        "audiomcq_contribution_labels": 1,
        "task": "synth",
        "rule": "2/3",
        "rule_text": "weak iff at least 2 of 3 voters are correct",
        "summary": {"weak": 2, "strong": 2},
        "probes": [{"name": "a", "kind": "audio", "silence": {"audio": "silence"}},
                   {"name": "t", "kind": "text", "silence": {"audio": None}}],
    }  # fmt: skip
    rows = [
        {"id": k, "label": v, "votes": {"a": {"correct": k in ("i0", "i2")},
                                        "t": {"correct": k == "i0"}}}
        for k, v in VOTED.items()
    ]  # fmt: skip
    path = tmp_path / "labels.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in [head, *rows]) + "\n")
    return path


def test_confusion_and_voters_against_the_shipped_labels(tmp_path):
    found = vote_report.collect(labels_file(tmp_path), [a_run("synth"), a_run("synth_silent")])
    r = found["recovery"]
    assert (r["precision_weak"], r["recall_weak"]) == (0.5, 0.5)
    assert r["counts"] == {"weak/weak": 1, "weak/strong": 1, "strong/weak": 1, "strong/strong": 1}
    assert found["voters"]["a"] == {"weak": (0.5, 2), "strong": (0.5, 2)}
    assert found["voters"]["t"] == {"weak": (0.5, 2), "strong": (0.0, 2)}
    md = "\n".join(vote_report.markdown(found))
    assert "## The vote" in md and "precision of *weak* 0.500, recall 0.500" in md
    assert "| weak | 1 | 1 |" in md and "| t | 50.0 (2) | 0.0 (2) |" in md


def test_without_shipped_labels_the_section_says_so(tmp_path):
    bare = Run("synth", "m", "pretrained=m", {}, [{"doc": {"record": "{}"}}], Path("x"), {})
    found = vote_report.collect(labels_file(tmp_path), [bare])
    assert "recovery" not in found
    assert "ships no labels" in "\n".join(vote_report.markdown(found))
