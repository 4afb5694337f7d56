"""Clips per second of ``audiomcq prepare`` (decode + checks) on a synthetic suite, with one
worker (the baseline, in-process) and with every core; prints both and their ratio.

    python perf/prepare_throughput.py [--n 2000] [--max-seconds 10] [--sample-rate 44100]
                                            [--workers N] [--dir DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

from audiomcq_plugins.benchmarks import synth
from audiomcq_plugins.benchmarks.prepare import prepare


def timed(suite: Path, out: Path, workers: int) -> tuple[float, int]:
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    result = prepare("audiomcq_synth", suite, out, workers=workers, progress=False)
    return time.perf_counter() - start, result.n_items


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--max-seconds", type=float, default=10.0)
    parser.add_argument(
        "--sample-rate",
        type=int,
        default=44_100,
        help="rate of the written clips (decoding "
        "resamples them to 16 kHz, as with real downloads)",
    )
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--dir", help="work directory (default: a temporary one)")
    args = parser.parse_args()

    work = Path(args.dir or tempfile.mkdtemp(prefix="prepare-bench-"))
    suite = work / "suite"
    if not (suite / synth.METADATA_FILE).is_file():
        start = time.perf_counter()
        synth.generate(suite, n=args.n, max_seconds=args.max_seconds, sample_rate=args.sample_rate)
        print(f"generated {args.n} clips in {time.perf_counter() - start:.1f} s")
    # one untimed pass warms the page cache so both timed runs read from memory
    timed(suite, work / "warm", 1)
    serial, n = timed(suite, work / "out1", 1)
    parallel, _ = timed(suite, work / "outN", args.workers)
    print(f"1 worker:   {n / serial:8.1f} clips/s ({serial:.2f} s)")
    print(f"{args.workers} workers: {n / parallel:8.1f} clips/s ({parallel:.2f} s)")
    print(f"ratio:      {serial / parallel:8.2f}x")
    if not args.dir:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
