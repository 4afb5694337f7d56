"""The demo runs end to end offline and prints both tables."""

from __future__ import annotations

import pytest

pytest.importorskip("lm_eval")
pytest.importorskip("transformers")

from audiomcq_plugins import demo  # noqa: E402


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
def test_demo_runs(tmp_path, capsys):
    assert demo.main(["--out", str(tmp_path), "--n", "4"]) == 0
    out = capsys.readouterr().out
    assert "audiomcq_synth_silent" in out and "delta" in out and "acc_question_type" in out
    assert list((tmp_path / "results").rglob("results_*.json"))
