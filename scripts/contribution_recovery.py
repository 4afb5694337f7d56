"""How well the silent-audio vote recovers the synthetic suite's weak/strong construction.

    python scripts/contribution_recovery.py LABELS.jsonl [--n 200] [--seed 0] [--max-seconds 10]

LABELS is the output of ``audiomcq contribution label --task audiomcq_synth`` run with the same
``load_options`` (``n``, ``seed``, ``max_seconds``); the suite's items are rebuilt in memory and
their constructed ``audio-contribution`` compared with the vote. Prints precision and recall of
"weak" (the vote's weak items that are weak by construction; the constructed weak items the vote
finds) and the confusion counts.
"""

from __future__ import annotations

import argparse

from audiomcq_plugins.benchmarks.synth import SynthConfig, make_example
from audiomcq_plugins.contribution import labels as labels_mod


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
    if set(voted) != set(truth):
        raise SystemExit(
            f"the labels cover {len(voted)} items, the suite {len(truth)}: use the same n/seed"
        )
    counts = {(t, v): 0 for t in ("weak", "strong") for v in ("weak", "strong")}
    for item_id, t in truth.items():
        counts[(t, voted[item_id])] += 1
    tp, fp, fn = counts[("weak", "weak")], counts[("strong", "weak")], counts[("weak", "strong")]
    precision = tp / (tp + fp) if tp + fp else float("nan")
    recall = tp / (tp + fn) if tp + fn else float("nan")
    print(f"items {len(truth)}  constructed weak {tp + fn}  voted weak {tp + fp}")
    print(f"precision(weak) {precision:.3f}  recall(weak) {recall:.3f}")
    for (t, v), c in sorted(counts.items()):
        print(f"  constructed {t:6s} voted {v:6s} {c}")


if __name__ == "__main__":
    main()
