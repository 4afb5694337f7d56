"""``audiomcq report RESULTS... --out DIR``: audio reliance of one or more models."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report",
        help="report.md + charts: accuracy with the clip and with silence, weak/strong subsets",
        description="Read lm-eval output (directories given to --output_path, run with "
        "--log_samples for the changed-answer share) of <task> and <task>_silent runs of one "
        "or more models, and write DIR/report.md, DIR/report.json and one PNG chart per task. "
        "<task>_circular / <task>_perm runs add a position-bias section and chart.",
    )
    p.add_argument("results", nargs="+", help="lm-eval output directories or results_*.json")
    p.add_argument("--out", required=True, help="directory to write the report into")
    p.add_argument("--html", action="store_true", help="also write report.html")
    p.add_argument(
        "--labels",
        help="a labels file of `audiomcq contribution label`: adds the vote, and its confusion "
        "against the labels the benchmark ships (if any)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import matplotlib  # noqa: F401  (the plots extra: checked before any result is read)

    from audiomcq_plugins.contribution.report import write_report

    print(write_report(args.results, args.out, with_html=args.html, labels=args.labels))
    return 0
