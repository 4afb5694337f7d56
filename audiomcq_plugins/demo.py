"""``make demo`` / ``python -m audiomcq_plugins.demo``: the whole evaluation path, offline.

1. generate a small synthetic suite (AudioMCQ layout, weak/strong items known by construction);
2. build a tiny random Qwen2.5-Omni checkpoint (tokenizer trained on the suite's text);
3. run ``audiomcq eval`` (lm-eval) on ``audiomcq_synth`` and ``audiomcq_synth_silent``;
4. print lm-eval's table, then our per-breakdown table: accuracy with the clip, with
   silence, and the difference (what the audio contributed).

A random model scores near chance: the point is the plumbing, not the numbers. Outputs stay in
the printed directory (``--out DIR`` to choose it).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TASKS = ("audiomcq_synth", "audiomcq_synth_silent")


def breakdown_table(results: dict[str, Any]) -> str:
    """Rows: the overall metrics and every ``acc_<field>_<value>``; columns: clip, silent,
    clip - silent."""
    clip, silent = (results["results"].get(t, {}) for t in TASKS)
    rows = []
    for key in clip:
        if not key.endswith(",none") or "_stderr" in key:
            continue
        metric = key.removesuffix(",none")
        a, b = clip.get(key), silent.get(key)
        if not isinstance(a, float) or not isinstance(b, float):
            continue
        rows.append((metric, a, b))
    width = max(len(m) for m, _, _ in rows) if rows else 10
    lines = [f"{'metric':<{width}}  {'clip':>6}  {'silent':>6}  {'delta':>6}"]
    lines.append("-" * len(lines[0]))
    for metric, a, b in rows:
        lines.append(f"{metric:<{width}}  {a:6.3f}  {b:6.3f}  {a - b:+6.3f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m audiomcq_plugins.demo", description=__doc__)
    parser.add_argument("--out", default=None, help="output directory (default: a temp dir)")
    parser.add_argument("--n", type=int, default=24, help="synthetic items (default 24)")
    args = parser.parse_args(argv)

    from audiomcq_plugins.benchmarks import synth
    from audiomcq_plugins.cli import main as audiomcq
    from audiomcq_plugins.models.tiny import build_tiny_model

    out = Path(args.out or tempfile.mkdtemp(prefix="audiomcq-demo-")).resolve()
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    print(f"[1/4] synthetic suite: {args.n} items -> {out / 'synth'}", flush=True)
    synth.generate(out / "synth", n=args.n, max_seconds=3.0, progress=True)
    print(f"[2/4] tiny Qwen2.5-Omni model -> {out / 'model'}", flush=True)
    build_tiny_model("qwen2.5-omni", out / "model", extra_texts=synth.corpus())
    print("[3/4] audiomcq eval (lm-eval) on " + ", ".join(TASKS), flush=True)
    results_dir = out / "results"
    rc = audiomcq(
        [
            "eval",
            "--model",
            "audiomcq-hf",
            "--model_args",
            f"pretrained={out / 'model'},max_new_tokens=16",
            "--batch_size",
            "8",
            "--device",
            "cpu",
            "--tasks",
            ",".join(TASKS),
            "--metadata",
            json.dumps({"sources": {"audiomcq_synth": str(out / "synth")}}),
            "--output_path",
            str(results_dir),
            "--log_samples",
        ]
    )
    if rc:
        print(f"audiomcq eval failed with status {rc}", file=sys.stderr)
        return rc
    files = sorted(results_dir.rglob("results_*.json"), key=lambda p: p.stat().st_mtime)
    results = json.loads(files[-1].read_text())
    print("[4/4] per-breakdown accuracy (strict scorer unless named official)\n")
    print(breakdown_table(results))
    prov = results["configs"]["audiomcq_synth"]["metadata"]["provenance"]
    print(
        f"\nbenchmark {prov['benchmark']} hash {prov['content_hash'][:12]} prompt "
        f"{prov['prompt_format']} scorers {prov['scorer_modes']}"
    )
    print(f"results: {files[-1]}\ndone in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
