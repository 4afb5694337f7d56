"""The documented plain-lm-eval route, run as a user would, in a subprocess:

    python -m audiomcq_plugins.integrations.lm_eval --include_path "$(audiomcq task-dir)" ...

Most of its ~20 s is lm-eval's own start-up: every CLI run indexes the ~15,000 YAMLs bundled with
lm-eval (about 13 s on a busy 2-core machine; the CLI has no switch to skip them). The rest is kept
small: two fixture items, 4 new tokens (the task's default of 256 took most of the minute an
earlier version of this run needed) and one torch thread (a 0.6M-parameter model gains nothing
from more, and oversubscribed OpenMP threads stall on a busy machine).
"""

from __future__ import annotations

import json
import os
import sys

import pytest

pytest.importorskip("lm_eval")
pytest.importorskip("transformers")

from audiomcq_plugins.benchmarks.fixtures import write_fixture  # noqa: E402
from audiomcq_plugins.integrations.lm_eval import task_dir  # noqa: E402
from audiomcq_plugins.models.tiny import build_tiny_model  # noqa: E402
from tests.processes import run

pytestmark = pytest.mark.slow


def test_python_m_route_with_include_path_writes_results(tmp_path):
    data = tmp_path / "data"
    write_fixture("mmsu", data / "mmsu", n=2, max_seconds=0.5)
    model = build_tiny_model("qwen2.5-omni", tmp_path / "omni")
    out = tmp_path / "out"
    args = [
        *("-m", "audiomcq_plugins.integrations.lm_eval"),
        *("--include_path", str(task_dir())),
        *("--model", "audiomcq-hf"),
        *("--model_args", f"pretrained={model},max_new_tokens=4"),
        *("--device", "cpu"),
        *("--batch_size", "2"),
        *("--tasks", "mmsu,mmsu_silent"),
        *("--metadata", json.dumps({"data_dir": str(data)})),
        *("--limit", "2"),
        *("--output_path", str(out)),
        "--log_samples",
    ]
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "OMP_NUM_THREADS": "1",
        "AUDIOMCQ_DATA_DIR": str(tmp_path / "nowhere"),  # --metadata must win
    }
    proc = run([sys.executable, *args], cwd=tmp_path, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]

    (results_file,) = out.rglob("results_*.json")
    results = json.loads(results_file.read_text())
    assert results["config"]["model"] == "audiomcq-hf"
    for task in ("mmsu", "mmsu_silent"):
        metrics = results["results"][task]
        for metric in ("acc,none", "unparsed,none", "acc_official,none"):
            assert metric in metrics, (task, sorted(metrics))
        assert 0 <= metrics["acc,none"] <= 1 and 0 <= metrics["unparsed,none"] <= 1
        assert results["n-samples"][task]["effective"] == 2
        meta = results["configs"][task]["metadata"]
        assert meta["benchmark"] == "mmsu" and meta["provenance"]["content_hash"]
    assert results["configs"]["mmsu_silent"]["metadata"]["audio"] == "silence"

    samples = {p.name.split("_20")[0]: p for p in out.rglob("samples_*.jsonl")}
    assert set(samples) == {"samples_mmsu", "samples_mmsu_silent"}
    for path in samples.values():
        rows = [json.loads(line) for line in path.read_text().splitlines()]
        assert len(rows) == 2
        # Audio is logged as references or hashes, never as waveforms.
        assert path.stat().st_size < 50_000
        assert all(isinstance(r["resps"][0][0], str) for r in rows)
