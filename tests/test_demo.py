"""`make demo` end to end, shortened (--quick: a few steps of every stage): files, not accuracy."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("lm_eval")
pytest.importorskip("trl")

from audiomcq_plugins.workflows import demo, pretrain  # noqa: E402


def test_breakdown_table_compares_clip_and_silence():
    results = {
        "results": {
            "audiomcq_synth": {"acc,none": 0.75, "acc_stderr,none": "N/A", "alias": "x"},
            "audiomcq_synth_silent": {"acc,none": 0.5},
        }
    }
    table = demo.breakdown_table(results)
    assert "acc" in table and "+0.250" in table and "stderr" not in table


@pytest.mark.slow
def test_quick_demo_writes_every_output(tmp_path, capsys):
    out, base = tmp_path / "demo", tmp_path / "base"
    assert demo.main(["--out", str(out), "--base", str(base), "--quick"]) == 0
    printed = capsys.readouterr().out
    for number in range(1, len(demo.STAGES) + 1):
        assert f"[{number}/{len(demo.STAGES)}]" in printed
    assert "Weak-to-Strong" in printed and str(out / "summary.json") in printed
    last = printed.strip().splitlines()[-10:]
    assert any(str(out / "report" / "report.md") in line for line in last)
    assert any("precision(weak)" in line for line in last)

    # the hearing base: a transformers checkpoint of the real thinker class, stamped
    config = json.loads((base / "config.json").read_text())
    assert config["architectures"] == ["Qwen2_5OmniThinkerForConditionalGeneration"]
    stamp = json.loads((base / pretrain.STAMP).read_text())
    assert stamp["command"][1:3] == ["sft", "--config"]
    assert stamp["command"][3].endswith("tiny/pretrain_sft.yaml")

    commands = (out / "commands.txt").read_text().splitlines()
    assert [c.split()[1] for c in commands[:3]] == ["sft", "sft", "grpo"]
    assert "weak_to_strong_sft.yaml" in commands[1] and "weak_to_strong_grpo.yaml" in commands[2]
    assert [c.split()[:2] for c in commands[3:6]] == [["audiomcq", "eval"]] * 3
    assert commands[6].startswith("audiomcq contribution label --benchmark audiomcq_synth")
    assert "--from-samples" in commands[6] and commands[7].startswith("audiomcq report")
    assert (out / "train" / "w2s_grpo" / "model.safetensors").is_file()

    summary = json.loads((out / "summary.json").read_text())
    assert tuple(summary["stages"]) == demo.STAGES
    for name in demo.MODELS:
        result = json.loads(open(summary["eval"][name]["results_file"]).read())
        assert set(result["results"]) == set(demo.TASKS)
        assert 0.0 <= summary["eval"][name]["strong"] <= 1.0
        samples = list((out / "eval" / name).rglob("samples_audiomcq_synth_silent_*.jsonl"))
        assert samples and samples[0].read_text().strip()

    # stage 5: one label per held-out item, voted by the three silent runs, and the comparison
    # with the construction counts exactly those items
    heldout = summary["labels"]["items"]
    assert heldout == demo.QUICK["heldout_items"]
    head, *rows = [json.loads(x) for x in (out / "labels" / "heldout_labels.jsonl").open()]
    assert head["rule"] == "2/3" and len(head["probes"]) == 3
    assert {p["task"] for p in head["probes"]} == {"audiomcq_synth_silent"}
    assert len(rows) == heldout and {r["label"] for r in rows} <= {"weak", "strong"}
    assert sum(r["label"] == "weak" for r in rows) == summary["labels"]["voted_weak"]
    recovery = json.loads((out / "labels" / "recovery.json").read_text())
    assert sum(recovery["counts"].values()) == heldout

    # stage 6: the report holds the three models' numbers from their results files, and charts
    report = out / "report"
    rows = json.loads((report / "report.json").read_text())
    assert len(rows) == len(demo.MODELS)
    trained = next(r for r in rows if r["model"].endswith("w2s_grpo"))
    assert trained["acc_clip"] == pytest.approx(
        json.load(open(summary["eval"]["trained"]["results_file"]))["results"]["audiomcq_synth"][
            "acc,none"
        ]
    )
    assert "w2s_grpo" in (report / "report.md").read_text()
    charts = list(report.glob("*.png"))
    assert charts and all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in charts)

    # a second run reuses the hearing base (same inputs): no new pretraining
    info = pretrain.build_base(
        base, clips=demo.QUICK["clips"], overrides=demo.QUICK["pretrain"], log=print
    )
    assert info["cached"] and info["fingerprint"] == stamp["fingerprint"]
