"""Throughput of ``audiomcq score``: items per second in official and strict mode.

Writes a synthetic MMAU-format predictions file (default 200,000 items, in a temporary
directory), scores it end to end (read + score + aggregate) in both modes, and prints items/s
(wall clock and CPU time) and the strict/official ratio (official, the simpler rule, is the
baseline measured in the same run). Outputs mix the shapes seen in practice: option text,
letters, tags with reasoning, free text, and empty answers.

    python perf/score_throughput.py [--items 200000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

from audiomcq_plugins.scoring import score_file

WORDS = "dog cat bird engine rain piano violin drum man woman child crowd siren wind".split()
TASKS = ("sound", "music", "speech")


def synth_item(rng: random.Random, n: int) -> dict:
    k = rng.choice((2, 4, 4, 4, 5))
    choices = [" ".join(rng.sample(WORDS, rng.randint(1, 3))) + f" {n}-{i}" for i in range(k)]
    i = rng.randrange(k)
    shape = rng.randrange(6)
    letter = "ABCDE"[rng.randrange(k)]
    output = [
        choices[i],
        letter,
        f"<think>It could be {choices[(i + 1) % k]}.</think><answer>{choices[i]}</answer>",
        f"The answer is ({letter}) {choices[rng.randrange(k)]}.",
        f"I hear a {rng.choice(WORDS)} and maybe a {rng.choice(WORDS)}.",
        "",
    ][shape]
    return {
        "id": f"item-{n}",
        "question": "What is heard?",
        "choices": choices,
        "answer": choices[i],
        "model_output": output,
        "task": rng.choice(TASKS),
        "difficulty": rng.choice(("easy", "medium", "hard")),
        "sub-category": f"sub-{rng.randrange(27)}",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs per mode")
    args = parser.parse_args()
    rng = random.Random(0)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mmau-predictions.json"
        path.write_text(json.dumps([synth_item(rng, n) for n in range(args.items)]))
        rates = {}
        for mode in ("official", "strict"):
            wall = cpu = float("inf")
            for _ in range(args.repeat):
                start, start_cpu = time.perf_counter(), time.process_time()
                report = score_file(path, "mmau", mode)
                wall = min(wall, time.perf_counter() - start)
                cpu = min(cpu, time.process_time() - start_cpu)
            rates[mode] = args.items / cpu
            print(
                f"{mode:>8}: {args.items / wall:>9,.0f} items/s wall, {rates[mode]:>9,.0f} "
                f"items/s CPU ({wall:.2f} s wall; accuracy {report.accuracy:.4f}, "
                f"unparsed {report.unparsed})"
            )
    # CPU time, not wall time, for the ratio: it is stable on a shared machine.
    print(f"strict/official throughput ratio (CPU): {rates['strict'] / rates['official']:.2f}")


if __name__ == "__main__":
    main()
