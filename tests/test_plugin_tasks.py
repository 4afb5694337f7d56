"""A third-party benchmark gets harness tasks with no code beyond its spec: the sample plugin,
installed as a package would be, runs through ``audiomcq eval`` in a subprocess."""

from __future__ import annotations

import json
import os
import sys

import pytest

pytest.importorskip("lm_eval")
pytest.importorskip("transformers")

from audiomcq_plugins.models.tiny import build_tiny_model  # noqa: E402
from tests.bench_helpers import BIRDS, write_birds  # noqa: E402
from tests.processes import run  # noqa: E402

pytestmark = pytest.mark.slow


def test_plugin_benchmark_runs_through_audiomcq_eval(sample_plugin_site, tmp_path):
    data = write_birds(tmp_path / "data" / "sample_birdsong")
    model = build_tiny_model("qwen2.5-omni", tmp_path / "omni")
    out = tmp_path / "out"
    args = [
        *("--model", "audiomcq-hf"),
        *("--model_args", f"pretrained={model},max_new_tokens=4"),
        *("--device", "cpu"),
        *("--batch_size", "2"),
        *("--tasks", "sample_birdsong,sample_birdsong_silent"),
        *("--output_path", str(out)),
    ]
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "OMP_NUM_THREADS": "1",
        "AUDIOMCQ_CACHE": str(tmp_path / "cache"),
    }
    proc = run(
        [sys.executable, "-m", "audiomcq_plugins", "eval", "--data-dir", str(data.parent), *args],
        cwd=tmp_path,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]

    (results_file,) = out.rglob("results_*.json")
    results = json.loads(results_file.read_text())
    for task in ("sample_birdsong", "sample_birdsong_silent"):
        metrics = results["results"][task]
        for metric in ("acc", "acc_official", "unparsed", "acc_habitat_forest"):
            assert 0 <= metrics[f"{metric},none"] <= 1, (task, metric, metrics)
        assert "acc_habitat_wetland,none" in metrics
        assert results["n-samples"][task]["effective"] == len(BIRDS)
        config = results["configs"][task]
        assert config["metadata"]["benchmark"] == "sample_birdsong"
        assert config["metadata"]["provenance"]["n_items"] == len(BIRDS)
        assert config["generation_kwargs"]["max_gen_toks"] == 8  # the spec's own setting
    assert results["configs"]["sample_birdsong_silent"]["metadata"]["audio"] == "silence"
    # The task YAMLs were written to the cache, next to nothing else.
    (written,) = (tmp_path / "cache" / "tasks").iterdir()
    assert (written / "sample_birdsong_silent.yaml").is_file()
