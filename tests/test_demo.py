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
    out, models = tmp_path / "demo", tmp_path / "models"
    assert demo.main(["--out", str(out), "--models-dir", str(models), "--quick"]) == 0
    printed = capsys.readouterr().out
    for number in range(1, len(demo.STAGES) + 1):
        assert f"[{number}/{len(demo.STAGES)}]" in printed
    assert "Weak-to-Strong" in printed and str(out / "summary.json") in printed
    last = printed.strip().splitlines()[-12:]
    assert any(str(out / "report" / "report.md") in line for line in last)
    assert sum("precision(weak)" in line for line in last) == 2  # pool and held-out

    # the general models: transformers checkpoints of the real classes, stamped; the audio
    # models' language models start from the text LM
    classes = {
        "voters/qwen2": "Qwen2ForCausalLM",
        "hearing_base": "Qwen2_5OmniThinkerForConditionalGeneration",
        "voters/qwen2-audio": "Qwen2AudioForConditionalGeneration",
    }
    for where, cls in classes.items():
        config = json.loads((models / where / "config.json").read_text())
        assert config["architectures"] == [cls]
        stamp = json.loads((models / where / pretrain.STAMP).read_text())
        assert stamp["command"][1:3] == ["sft", "--config"]
        assert (stamp["text_lm"] is None) == (where == "voters/qwen2")

    # the pool's labels are hidden from everything but the comparison
    pool = json.loads((out / "data" / "n48-8" / "synth-pool" / "audiomcq_synth.json").read_text())
    assert pool and not any("audio-contribution" in r or "subtask" in r for r in pool)

    commands = (out / "commands.txt").read_text().splitlines()
    words = [c.split()[:3] for c in commands]
    assert [w[1] for w in words[:3]] == ["sft"] * 3  # the general models
    assert words[3] == words[4] == ["audiomcq", "contribution", "label"]
    assert words[5] == ["audiomcq", "train", "prepare-data"] and "--labels" in commands[5]
    assert "weak_to_strong_sft.yaml" in commands[6] and "weak_to_strong_grpo.yaml" in commands[7]
    assert [w[:2] for w in words[8:11]] == [["audiomcq", "eval"]] * 3
    assert commands[11].startswith("audiomcq report") and "--labels" in commands[11]
    assert "--text-models hf:pretrained=" in commands[3]
    assert (out / "train" / "w2s_grpo" / "model.safetensors").is_file()

    summary = json.loads((out / "summary.json").read_text())
    assert tuple(summary["stages"]) == demo.STAGES
    for name in demo.MODELS:
        result = json.loads(open(summary["eval"][name]["results_file"]).read())
        # a subset the vote left empty has no task (the quick voters are random)
        assert set(demo.TASKS[:2]) <= set(result["results"]) <= set(demo.TASKS)
        assert 0.0 <= summary["eval"][name]["strong"] <= 1.0

    # the vote: one label per item with provenance, compared with the hidden labels
    for name, n in (("pool", demo.QUICK["train_items"]), ("heldout", demo.QUICK["heldout_items"])):
        found = summary["vote"][f"{name}_30s"]
        head, *rows = [json.loads(x) for x in open(found["labels_file"])]
        assert head["rule"] == "2/3" and len(head["probes"]) == 3
        kinds = sorted(p["kind"] for p in head["probes"])
        assert kinds == ["audio", "audio", "text"]
        assert len(rows) == n == found["items"] == sum(found["counts"].values())
        assert sum(r["label"] == "weak" for r in rows) == found["voted_weak"]
    manifest = json.loads((out / "data" / "voted" / "manifest.json").read_text())
    assert manifest["labels"] == summary["vote"]["pool_30s"]["labels_file"]

    # the report: the three models in the order given, and the vote's confusion
    report = out / "report"
    data = json.loads((report / "report.json").read_text())
    assert [r["model"].rsplit(":", 1)[-1] for r in data if "model" in r][:3] == [
        "hearing_base", "w2s_sft", "w2s_grpo"
    ]  # fmt: skip
    assert "## The vote" in (report / "report.md").read_text()
    charts = list(report.glob("*.png"))
    assert charts and all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in charts)

    # a second build reuses the models (same inputs): no new training
    again = pretrain.build_all(
        models, clips=demo.QUICK["clips"], overrides=demo.QUICK["pretrain"], log=print
    )
    assert all(info["cached"] for info in again.values())
