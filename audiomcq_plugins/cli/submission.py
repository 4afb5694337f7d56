"""``audiomcq submission SAMPLES --benchmark mmau_test --out FILE``: the authors' submission file
from an lm-eval samples file."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "submission",
        help="write the online evaluator's submission file (MMAU test) from lm-eval samples",
        description="SAMPLES is the samples_<task>_*.jsonl that lm-eval writes with "
        "--log_samples. Refuses a run that did not cover every item of the benchmark.",
    )
    p.add_argument("samples", help="lm-eval samples JSONL of a run on the benchmark")
    p.add_argument("--benchmark", required=True, help="e.g. mmau_test")
    p.add_argument("--out", required=True, help="submission file to write (JSON)")
    p.add_argument("--data-dir", default=None, help="benchmark data root (else AUDIOMCQ_DATA_DIR)")
    p.add_argument("--source", default=None, help="the benchmark's own directory or file")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from audiomcq_plugins import submission
    from audiomcq_plugins.integrations.lm_eval.submission import predictions

    n = submission.write(
        args.benchmark, predictions(args.samples), args.out, args.source, data_dir=args.data_dir
    )
    print(
        f"wrote {n} items to {args.out}; {args.benchmark} is scored online: upload this file "
        "to the benchmark authors' evaluator"
    )
    return 0
