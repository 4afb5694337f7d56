"""``audiomcq eval`` against lmms-eval, side by side on the same items and the same model.

    python perf/eval_vs_lmms_eval.py [--n 200] [--batch-size 8] [--max-new-tokens 128]
        [--repeat 2] [--size tiny|small] [--lmms-python .venv-lmms/bin/python]

Builds ``--n`` MMAU-format items (synthetic clips of 0.5-10 s) and a Qwen2-Audio model of
random weights, then runs, in turn and in fresh processes:

- ``audiomcq``: ``audiomcq eval --model audiomcq-hf --tasks mmau_test_mini`` (lm-eval);
- ``lmms-eval``: ``lmms-eval --model qwen2_audio`` (lmms-eval's own model) on our
  ``mmau_test_mini`` (``--include_path``), from lmms-eval's environment (``make venv-lmms``).
  Its model is kept on the CPU by ``tests/lmms/cuda_on_cpu`` (docs/lmms_eval.md).

Both generate ``--max-new-tokens`` tokens greedily (a random model never stops early), batch
``--batch-size``. A warm-up pass of each comes first and is not counted; then ``--repeat``
interleaved passes, whose median is reported, with the ratio audiomcq / lmms-eval. Also
printed: the *import floor* of each environment (importing torch, transformers and the model
class in a fresh process: work no evaluation tool can avoid), and, for ``audiomcq eval``, its
start-up (process start to the first model call) less that floor: our own start-up work.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
IMPORTS = "import torch, transformers; from transformers import Qwen2AudioForConditionalGeneration"


def _env(threads: int, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "OMP_NUM_THREADS": str(threads),
        **extra,
    }


def import_floor(python: str, threads: int) -> float:
    start = time.perf_counter()
    subprocess.run([python, "-c", IMPORTS], check=True, env=_env(threads))
    return time.perf_counter() - start


def run_ours(args, work: Path, model: Path, k: str) -> dict:
    from eval_startup import WRAPPER  # the same timed `audiomcq eval` as perf/eval_startup.py

    out, marks = work / f"ours-{k}", work / f"marks-{k}.json"
    argv = ["eval", "--data-dir", str(work / "data"), "--model", "audiomcq-hf",
            "--model_args", f"pretrained={model}", "--device", "cpu",
            "--batch_size", str(args.batch_size), "--tasks", "mmau_test_mini",
            "--gen_kwargs", f"max_gen_toks={args.max_new_tokens}",
            "--output_path", str(out), "--log_samples"]  # fmt: skip
    env = _env(args.threads, AUDIOMCQ_PERF_OUT=str(marks), AUDIOMCQ_CACHE=str(work / "cache"))
    start = time.time()
    proc = subprocess.run([sys.executable, "-c", WRAPPER, *argv], env=env, capture_output=True)
    whole = time.time() - start
    if proc.returncode:
        sys.exit(f"audiomcq eval failed:\n{proc.stderr.decode()[-3000:]}")
    first = json.loads(marks.read_text())["first"]
    return {"whole": whole, "start-up": first - start}


def run_theirs(args, work: Path, model: Path, include: str, k: str) -> dict:
    out = work / f"theirs-{k}"
    cmd = [args.lmms_python, "-m", "lmms_eval", "--model", "qwen2_audio",
           "--model_args", f"pretrained={model},device=cpu,device_map=auto",
           "--include_path", include, "--tasks", "mmau_test_mini",
           "--batch_size", str(args.batch_size),
           "--gen_kwargs", f"max_new_tokens={args.max_new_tokens}",
           "--output_path", str(out), "--log_samples"]  # fmt: skip
    shim = str(REPO / "tests" / "lmms" / "cuda_on_cpu")
    start = time.time()
    proc = subprocess.run(cmd, env=_env(args.threads, PYTHONPATH=shim), capture_output=True)
    whole = time.time() - start
    if proc.returncode:
        sys.exit(f"lmms-eval failed:\n{proc.stderr.decode()[-3000:]}")
    return {"whole": whole}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=200)
    p.add_argument("--size", default="tiny", choices=("tiny", "small"))
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--max-new-tokens", type=int, default=128)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeat", type=int, default=2)
    p.add_argument("--lmms-python", default=str(REPO / ".venv-lmms" / "bin" / "python"))
    args = p.parse_args()

    from audiomcq_plugins.benchmarks.fixtures import write_fixture
    from audiomcq_plugins.models.tiny import build_tiny_model

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        write_fixture("mmau_test_mini", work / "data" / "mmau_test_mini", n=args.n, max_seconds=10)
        model = build_tiny_model("qwen2-audio", work / "model", size=args.size)
        include = subprocess.run(
            [args.lmms_python, "-m", "audiomcq_plugins", "task-dir", "--harness", "lmms-eval",
             "--metadata", json.dumps({"data_dir": str(work / "data")})],
            check=True, capture_output=True, text=True, env=_env(args.threads),
        ).stdout.strip()  # fmt: skip
        floors = {"audiomcq": [], "lmms-eval": []}
        runs = {"audiomcq": [], "lmms-eval": []}
        for k in range(args.repeat + 1):  # pass 0 warms the file caches up; not counted
            ours = run_ours(args, work, model, str(k))
            theirs = run_theirs(args, work, model, include, str(k))
            floors["audiomcq"].append(import_floor(sys.executable, args.threads))
            floors["lmms-eval"].append(import_floor(args.lmms_python, args.threads))
            print(f"pass {k}{' (warm-up)' if k == 0 else ''}: audiomcq {ours['whole']:.1f} s, "
                  f"lmms-eval {theirs['whole']:.1f} s", flush=True)  # fmt: skip
            if k:
                runs["audiomcq"].append(ours)
                runs["lmms-eval"].append(theirs)
        report(runs, floors, args)


def report(runs: dict, floors: dict, args) -> None:
    med = {name: statistics.median(r["whole"] for r in rs) for name, rs in runs.items()}
    floor = {name: statistics.median(f[1:]) for name, f in floors.items()}
    start_up = statistics.median(r["start-up"] for r in runs["audiomcq"])
    print(
        f"\n{args.n} items, size {args.size}, batch {args.batch_size}, {args.max_new_tokens} "
        f"new tokens, {args.threads} threads; median of {args.repeat}"
    )
    for name in runs:
        print(f"{name:<10} whole run {med[name]:6.1f} s   import floor {floor[name]:5.1f} s")
    print(f"audiomcq start-up {start_up:.1f} s = import floor {floor['audiomcq']:.1f} s "
          f"+ our own work {start_up - floor['audiomcq']:.1f} s")  # fmt: skip
    print(f"audiomcq / lmms-eval, whole run: {med['audiomcq'] / med['lmms-eval']:.2f}x")


if __name__ == "__main__":
    main()
