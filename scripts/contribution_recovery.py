"""How well the silent-audio vote recovers the synthetic suite's weak/strong construction.

    python scripts/contribution_recovery.py LABELS.jsonl [--n 200] [--seed 0] [--max-seconds 10]

LABELS is the output of ``audiomcq contribution label --benchmark audiomcq_synth`` run with the same
``load_options`` (``n``, ``seed``, ``max_seconds``); the suite's items are rebuilt in memory and
their constructed ``audio-contribution`` compared with the vote. Prints precision and recall of
"weak" (the vote's weak items that are weak by construction; the constructed weak items the vote
finds) and the confusion counts.
"""

from __future__ import annotations

import argparse

from audiomcq_plugins.benchmarks.synth import SynthConfig, make_example
from audiomcq_plugins.contribution import labels as labels_mod
from audiomcq_plugins.contribution import recovery
from audiomcq_plugins.contribution.vote import VoteError


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("labels")
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-seconds", type=float, default=10.0)
    args = parser.parse_args()
    cfg = SynthConfig(seed=args.seed, max_seconds=args.max_seconds)
    truth = {}
    for i in range(args.n):
        record = make_example(i, cfg)[0]
        truth[record["id"]] = record["audio-contribution"]
    _, voted = labels_mod.read(args.labels)
    try:
        result = recovery.recovery(truth, voted)
    except VoteError as exc:
        raise SystemExit(f"{exc}: use the same --n/--seed/--max-seconds") from None
    for line in recovery.describe(result):
        print(line)


if __name__ == "__main__":
    main()
