"""A real OpenAI-compatible server that no one here wrote: ``transformers serve`` (FastAPI and
Uvicorn) in front of a tiny Qwen2-Audio checkpoint. ``audiomcq eval --model audiomcq-api``
against it gives the answers ``audiomcq-hf`` gives in process. The fault-scripting server of
tests/api_server.py stays for the faults."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
import uuid

import pytest

from audiomcq_plugins.benchmarks.fixtures import write_fixture
from tests.processes import TAG_VAR, end_tagged, run
from tests.test_scale_eval import free_port

pytest.importorskip("fastapi", reason="transformers serve needs fastapi and uvicorn")
pytest.importorskip("uvicorn", reason="transformers serve needs fastapi and uvicorn")
pytestmark = pytest.mark.slow

SERVE = shutil.which("transformers", path=os.path.dirname(sys.executable))


def _wait_ready(url: str, proc: subprocess.Popen, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"transformers serve exited: {proc.stderr.read()[-3000:]}")
        try:
            with urllib.request.urlopen(url + "/models", timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"transformers serve not ready within {timeout} s")


def _answers(out) -> dict:
    (path,) = out.rglob("samples_audiomcq_synth_*.jsonl")
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    return {r["doc"]["id"]: r["resps"] for r in rows}


def _eval(tmp_path, data, name, model, model_args):
    out = tmp_path / name
    proc = run(
        [sys.executable, "-m", "audiomcq_plugins", "eval", "--data-dir", str(data),
         "--model", model, "--model_args", model_args, "--tasks", "audiomcq_synth",
         "--gen_kwargs", "max_gen_toks=8", "--log_samples", "--output_path", str(out)],
        env={**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"},
        timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    return _answers(out)


def test_audiomcq_api_through_transformers_serve_gives_the_hf_answers(tmp_path):
    from audiomcq_plugins.models.tiny import build_tiny_model

    assert SERVE, "the transformers command is not installed beside this Python"
    data = tmp_path / "data"
    write_fixture("audiomcq_synth", data / "audiomcq_synth", n=8, max_seconds=0.5)
    model = build_tiny_model("qwen2-audio", tmp_path / "q2a")
    port, tag = free_port(), uuid.uuid4().hex
    server = subprocess.Popen(
        [SERVE, "serve", "--host", "127.0.0.1", "--port", str(port), "--device", "cpu"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1", TAG_VAR: tag},
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}/v1"
        _wait_ready(base, server)
        api = _eval(tmp_path, data, "api", "audiomcq-api", f"base_url={base},model={model}")
    finally:
        server.terminate()  # Uvicorn ends on SIGTERM; anything left is killed
        end_tagged(tag, wait_s=10)
    hf = _eval(tmp_path, data, "hf", "audiomcq-hf", f"pretrained={model},device=cpu")
    assert api == hf and len(hf) == 8
