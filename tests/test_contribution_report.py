"""``audiomcq report``'s Position bias section, from results files in lm-eval's format."""

from __future__ import annotations

import json
import math
import sys

import pytest

from tests.processes import run

pytest.importorskip("matplotlib")

TASK = "mmau_test_mini_circular"
#: Per-position metrics of a 4-choice task: E-H have no answers there and are never chosen.
POSITIONS = {
    "acc_pos_a": 0.75, "acc_pos_b": 0.5, "acc_pos_c": 0.25, "acc_pos_d": 0.125,
    "chosen_pos_a": 0.5, "chosen_pos_b": 0.25, "chosen_pos_c": 0.125, "chosen_pos_d": 0.0625,
    **{f"acc_pos_{x}": math.nan for x in "efgh"}, **{f"chosen_pos_{x}": 0.0 for x in "efgh"},
}  # fmt: skip
HEADLINE = {"acc_circular": 0.125, "acc_mean": 0.40625, "acc_std": 0.0625, "choice_changed": 0.5}


def write_results(root, model: str, task: str, metrics: dict[str, float]) -> None:
    """One results file as ``lm_eval --output_path root`` writes it (per-model folder)."""
    folder = root / f"__tmp__{model}"
    folder.mkdir(parents=True)
    results = {"alias": task}
    for name, value in metrics.items():
        results[f"{name},none"] = value
        results[f"{name}_stderr,none"] = "N/A"
    body = {
        "results": {task: results},
        "group_subtasks": {task: []},
        "configs": {task: {"task": task, "output_type": "generate_until",
                           "metadata": {"version": 1.0, "permute": "circular"}}},
        "versions": {task: 1.0},
        "n-shot": {task: 0},
        "higher_is_better": {task: {k: True for k in metrics}},
        "n-samples": {task: {"original": 8, "effective": 32}},
        "config": {"model": "audiomcq-hf", "model_args": f"pretrained=/tmp/{model},device=cpu",
                   "batch_size": 1, "limit": None},
        "git_hash": None,
        "date": 1.0,
        "model_name": f"/tmp/{model}",
    }  # fmt: skip
    (folder / "results_2025-01-01T00-00-00.000000.json").write_text(json.dumps(body, indent=2))


def test_position_bias_section_reads_the_numbers_of_the_results(tmp_path):
    other = {**HEADLINE, "acc_circular": 0.25, **POSITIONS, "chosen_pos_a": 0.9375}
    write_results(tmp_path / "runs", "m0", TASK, {"acc": 0.4, "unparsed": 0.0625,
                                                  **HEADLINE, **POSITIONS})  # fmt: skip
    write_results(tmp_path / "runs1", "m1", TASK, {"unparsed": 0.0, **other})
    out = tmp_path / "report"
    proc = run([sys.executable, "-m", "audiomcq_plugins", "report", str(tmp_path / "runs"),
         str(tmp_path / "runs1"), "--out", str(out), "--html"], timeout=300)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads((out / "report.json").read_text())
    assert [d["section"] for d in data] == ["position_bias"] * 2
    first, second = data
    assert (first["model"], first["task"]) == ("audiomcq-hf:m0", TASK)
    assert {k: first[k] for k in HEADLINE} == HEADLINE
    assert first["accuracy_by_answer_position"] == {"A": 0.75, "B": 0.5, "C": 0.25, "D": 0.125}
    assert first["chosen_positions"] == {"A": 0.5, "B": 0.25, "C": 0.125, "D": 0.0625}
    assert first["unparsed"] == 0.0625
    assert second["acc_circular"] == 0.25 and second["chosen_positions"]["A"] == 0.9375

    md = (out / "report.md").read_text()
    assert "## Position bias" in md and f"### {TASK}" in md
    assert "| audiomcq-hf:m0 | 12.5 | 40.6 ± 6.2 | 50.0 |" in md
    assert "| model | answer at A | answer at B | answer at C | answer at D | chose A |" in md
    assert "| audiomcq-hf:m0 | 75.0 | 50.0 | 25.0 | 12.5 | 50.0 | 25.0 | 12.5 | 6.2 | 6.2 |" in md
    assert "| audiomcq-hf:m1 | 75.0 | 50.0 | 25.0 | 12.5 | 93.8 |" in md
    assert "answer at E" not in md
    assert f"![{TASK}]({TASK}_positions.png)" in md
    assert (out / f"{TASK}_positions.png").stat().st_size > 0
    assert "<h2>Position bias</h2>" in (out / "report.html").read_text()


def test_permuted_runs_stay_out_of_the_audio_rows(tmp_path):
    from audiomcq_plugins.contribution.report import write_report

    write_results(tmp_path / "runs", "m0", "mmar", {"acc": 0.5})
    write_results(tmp_path / "runs" / "s", "m0", "mmar_silent", {"acc": 0.25})
    write_results(tmp_path / "runs" / "p", "m0", "mmar_perm", {**HEADLINE, **POSITIONS})
    write_report([tmp_path / "runs"], tmp_path / "report")
    data = json.loads((tmp_path / "report" / "report.json").read_text())
    audio, bias = data
    assert (audio["section"], audio["task"], audio["acc_clip"]) == ("audio", "mmar", 0.5)
    assert audio["audio_reliance"] == 0.25
    assert (bias["section"], bias["task"], bias["acc_mean"]) == (
        "position_bias",
        "mmar_perm",
        0.40625,
    )


def test_two_runs_of_one_permuted_task_are_refused(tmp_path):
    from audiomcq_plugins.contribution.report import write_report

    write_results(tmp_path / "a", "m0", TASK, HEADLINE)
    write_results(tmp_path / "b", "m0", TASK, HEADLINE)
    with pytest.raises(ValueError, match=f"audiomcq-hf:m0 has two {TASK} runs"):
        write_report([tmp_path / "a", tmp_path / "b"], tmp_path / "report")


def test_audio_rows_keep_the_given_model_order_and_show_standard_errors(tmp_path):
    """Models as given (the trained one after the model it came from), each accuracy ± its
    standard error from the results."""
    from audiomcq_plugins.contribution.report import collect, markdown

    for model, acc in (("zeta_base", 0.5), ("alpha_trained", 0.75)):
        for task, value in (("mmar", acc), ("mmar_silent", 0.25)):
            write_results(tmp_path / model / task, model, task, {"acc": value})
            results = next((tmp_path / model / task).rglob("results_*.json"))
            body = json.loads(results.read_text())
            body["results"][task]["acc_stderr,none"] = 0.05
            results.write_text(json.dumps(body))
    paths = [tmp_path / "zeta_base", tmp_path / "alpha_trained"]
    rows = collect(paths)
    assert [r.model for r in rows] == ["audiomcq-hf:zeta_base", "audiomcq-hf:alpha_trained"]
    md = markdown(rows, {})
    assert "| audiomcq-hf:zeta_base | 50.0 ± 5.0 | 25.0 ± 5.0 | 25.0 ± 7.1 |" in md, md
    assert "| silence: weak | silence: strong |" in md
    assert md.index("zeta_base") < md.index("alpha_trained")
