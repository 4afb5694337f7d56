"""``audiomcq eval`` as a whole process, side by side: start-up, generation and the rest.

    python perf/eval_startup.py [--n 200] [--batch-size 8] [--max-new-tokens 128] [--repeat 1]
        [--size tiny|small]

Builds ``--n`` MMAU-format items (synthetic clips of 0.5-10 s) and a tiny Qwen2-Audio model,
then runs ``audiomcq eval --tasks mmau_test_mini`` in a fresh process per configuration, in
turn (interleaved ``--repeat`` times; the median is reported):

- ``baseline``: the old behaviour switched back on: ``AUDIOMCQ_EVAL_FULL_INDEX=1`` (every
  lm-eval built-in task YAML indexed on every run), ``AUDIOMCQ_EVAL_FULL_DECODE=1`` (every clip
  of a chunk decoded before its first batch) and ``prefetch_encoder=False`` (the audio encoder
  inside the model's forward pass);
- ``fast-index``: only the task index of the default (our task directory alone when every task
  is ours), the rest as in ``baseline``;
- ``streaming``: the default (clips decoded, features extracted and the audio encoder run in
  the background encoding step, overlapping the model).

Times come from the run itself: process start (just before the process is spawned) to the
first model call (``start-up``), first model call to the end of the last (``generation``), and
the rest (``rest``: writing results, exiting). Ratios are against ``baseline`` in the same run.
Predictions must be identical across configurations; the script checks it.
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

OLD_PIPELINE = ({"AUDIOMCQ_EVAL_FULL_DECODE": "1"}, ",prefetch_encoder=False")
#: name -> (extra environment, extra model arguments)
CONFIGS: dict[str, tuple[dict[str, str], str]] = {
    "baseline": ({"AUDIOMCQ_EVAL_FULL_INDEX": "1", **OLD_PIPELINE[0]}, OLD_PIPELINE[1]),
    "fast-index": OLD_PIPELINE,
    "streaming": ({}, ""),
}

#: Runs `audiomcq eval` in this process with the model's generate() timed (first start, last
#: end), written as JSON to $AUDIOMCQ_PERF_OUT when the process exits.
WRAPPER = """
import atexit, json, os, sys, time
from audiomcq_plugins.models import hf
marks = {}
init = hf.HFAudioLM.__init__
def timed_init(self, *a, **k):
    init(self, *a, **k)
    generate = self.model.generate
    def timed(*ga, **gk):
        marks.setdefault("first", time.time())
        try:
            return generate(*ga, **gk)
        finally:
            marks["last"] = time.time()
    self.model.generate = timed
hf.HFAudioLM.__init__ = timed_init
atexit.register(lambda: open(os.environ["AUDIOMCQ_PERF_OUT"], "w").write(json.dumps(marks)))
from audiomcq_plugins.cli import main
sys.exit(main(sys.argv[1:]))
"""


def run_once(name: str, args: argparse.Namespace, work: Path, model: Path, k: int) -> dict:
    out = work / f"out-{name}-{k}"
    marks = work / f"marks-{name}-{k}.json"
    env_extra, model_extra = CONFIGS[name]
    model_args = f"pretrained={model},max_new_tokens={args.max_new_tokens}{model_extra}"
    argv = [
        *("eval", "--data-dir", str(work / "data")),
        *("--model", "audiomcq-hf"),
        *("--model_args", model_args),
        *("--device", "cpu", "--batch_size", str(args.batch_size)),
        *("--tasks", "mmau_test_mini", "--output_path", str(out), "--log_samples"),
    ]
    env = {
        **os.environ,
        **env_extra,
        "AUDIOMCQ_PERF_OUT": str(marks),
        "AUDIOMCQ_CACHE": str(work / "cache"),
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "OMP_NUM_THREADS": str(args.threads),
    }
    start = time.time()
    proc = subprocess.run(
        [sys.executable, "-c", WRAPPER, *argv], env=env, capture_output=True, text=True
    )
    end = time.time()
    if proc.returncode:
        sys.exit(f"{name} failed:\n{proc.stderr[-3000:]}")
    m = json.loads(marks.read_text())
    (samples,) = out.rglob("samples_mmau_test_mini_*.jsonl")
    preds = [json.loads(line)["resps"] for line in samples.read_text().splitlines()]
    return {
        "whole": end - start,
        "start-up": m["first"] - start,
        "generation": m["last"] - m["first"],
        "rest": end - m["last"],
        "predictions": preds,
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=200)
    p.add_argument("--size", default="tiny", choices=("tiny", "small"))
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--max-new-tokens", type=int, default=128)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--repeat", type=int, default=1)
    args = p.parse_args()

    from audiomcq_plugins.benchmarks.fixtures import write_fixture
    from audiomcq_plugins.models.tiny import build_tiny_model

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        write_fixture("mmau_test_mini", work / "data" / "mmau_test_mini", n=args.n, max_seconds=10)
        model = build_tiny_model("qwen2-audio", work / "model", size=args.size)
        runs: dict[str, list[dict]] = {name: [] for name in CONFIGS}
        for k in range(args.repeat):
            for name in CONFIGS:
                runs[name].append(run_once(name, args, work, model, k))
                print(f"{name} pass {k + 1}: {runs[name][-1]['whole']:.1f} s", flush=True)
        report(runs, args)


def report(runs: dict[str, list[dict]], args: argparse.Namespace) -> None:
    phases = ("whole", "start-up", "generation", "rest")
    med = {n: {ph: statistics.median(r[ph] for r in rs) for ph in phases} for n, rs in runs.items()}
    base = med["baseline"]
    print(
        f"\n{args.n} items, batch {args.batch_size}, <= {args.max_new_tokens} new tokens, "
        f"median of {args.repeat}; seconds (ratio to baseline)"
    )
    print(f"{'config':<12}" + "".join(f"{ph:>20}" for ph in phases))
    for name, m in med.items():
        cells = "".join(f"{m[ph]:>11.1f} ({m[ph] / base[ph]:.2f}x)" for ph in phases)
        print(f"{name:<12}{cells}")
    reference = runs["baseline"][0]["predictions"]
    same = all(r["predictions"] == reference for rs in runs.values() for r in rs)
    print(f"predictions identical across configurations: {same}")
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
