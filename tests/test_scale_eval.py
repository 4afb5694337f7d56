"""Data-parallel evaluation: ``audiomcq eval`` in two processes (torchrun, gloo on the CPU)
against one process, with probes recording which documents each rank's model received."""

from __future__ import annotations

import json
import math
import os
import socket
import sys
from pathlib import Path

import pytest

pytest.importorskip("lm_eval")
pytest.importorskip("transformers")

from audiomcq_plugins.benchmarks.fixtures import write_fixture  # noqa: E402
from tests.processes import run  # noqa: E402
from tests.rank_probe import probe_env, read_records  # noqa: E402
from tests.trl_fixtures import subprocess_env  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.multiprocess]

#: One generation task and one likelihood task; 5 documents each, so the ranks get 3 and 2
#: (lm-eval pads rank 1 with a copy of its last request).
TASKS = ("audiomcq_synth", "mmar_loglik")
N_DOCS = 5


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    from audiomcq_plugins.models.tiny import build_tiny_model

    root = tmp_path_factory.mktemp("scale-eval")
    for name in TASKS:
        bench = name.removesuffix("_loglik")
        write_fixture(bench, root / "data" / bench, n=N_DOCS, max_seconds=0.5)
    return {"root": root, "model": build_tiny_model("qwen2.5-omni", root / "omni")}


def evaluate(setup, launcher: list[str], name: str) -> Path:
    """``LAUNCHER -m audiomcq_plugins eval ...`` with probes on; returns the output folder."""
    out, probes = setup["root"] / name, setup["root"] / f"{name}-probes"
    cmd = [
        *launcher,
        "-m",
        "audiomcq_plugins",
        "eval",
        "--data-dir",
        str(setup["root"] / "data"),
        "--model",
        "audiomcq-hf",
        # batch 1: a batch's padding changes the numbers in the last bits, and two processes
        # batch different documents together (the same holds for any change of batch_size)
        "--model_args",
        f"pretrained={setup['model']}",
        "--batch_size",
        "1",
        "--device",
        "cpu",
        "--tasks",
        ",".join(TASKS),
        "--gen_kwargs",
        "max_gen_toks=4",
        "--output_path",
        str(out),
        "--log_samples",
    ]
    # No ACCELERATE_USE_CPU: `--device cpu` alone must make the ranks join a gloo group.
    env = probe_env(probes, {**subprocess_env(), "OMP_NUM_THREADS": "1"})
    env.pop("ACCELERATE_USE_CPU", None)
    proc = run(cmd, env=env, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    return out


def outputs(out: Path) -> tuple[dict, dict[str, bytes]]:
    (results,) = out.rglob("results_*.json")
    samples = {}
    for path in out.rglob("samples_*.jsonl"):
        task = next(t for t in TASKS if path.name.startswith(f"samples_{t}_"))
        samples[task] = path.read_bytes()
    return json.loads(results.read_text()), samples


def same_number(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


def test_two_processes_split_the_documents_and_match_one_process(setup):
    single = evaluate(setup, [sys.executable], "one")
    torchrun = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2"]
    double = evaluate(setup, [*torchrun, "--master_port", str(free_port())], "two")

    # each rank's model received its share: every 2nd document, rank 1 padded with a copy
    seen = read_records(setup["root"] / "two-probes")
    assert sorted(seen) == [0, 1]
    for rank, records in seen.items():
        assert {r["world_size"] for r in records} == {2}
        for task in TASKS:
            docs = {d for r in records for t, d in r["docs"] if t == task}
            assert docs == set(range(rank, N_DOCS, 2)), (rank, task, docs)
    ((_, alone),) = read_records(setup["root"] / "one-probes").items()
    assert {r["world_size"] for r in alone} == {1}

    # only rank 0 wrote, and wrote what one process writes
    one_results, one_samples = outputs(single)
    two_results, two_samples = outputs(double)
    assert set(one_samples) == set(TASKS)
    for task in TASKS:
        assert two_samples[task] == one_samples[task], f"samples of {task} differ"
        lines = one_samples[task].decode().splitlines()
        assert [json.loads(line)["doc_id"] for line in lines] == list(range(N_DOCS))
        one, two = one_results["results"][task], two_results["results"][task]
        assert one.keys() == two.keys()
        assert all(same_number(one[k], two[k]) for k in one), (one, two)
        assert one_results["n-samples"][task] == two_results["n-samples"][task]
    assert two_results["config"]["model_args"] == one_results["config"]["model_args"]
    assert os.environ.get("RANK") is None  # the launches did not leak into this process
