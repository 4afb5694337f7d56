"""``audiomcq score PRED_FILE --benchmark {mmau,mmar,mmsu} [--mode official|strict] [--json]``.

Reads the official evaluation script's input format and prints the accuracy, the breakdowns and
(with ``--json``) every item's result. Rules: ``docs/scoring.md``.
"""

from __future__ import annotations

import argparse
import json
import sys

from audiomcq_plugins.cli import CLIError


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "score",
        help="score a predictions file like the official script (official) or strictly",
        description=__doc__.split("\n\n")[1],
    )
    p.add_argument("pred_file", metavar="PRED_FILE", help="predictions (JSON list or JSONL)")
    p.add_argument(
        "--benchmark",
        required=True,
        metavar="NAME",
        help="mmau, mmar or mmsu (or a registered benchmark whose spec names one of them)",
    )
    p.add_argument(
        "--mode",
        choices=("official", "strict"),
        default="strict",
        help="official: the authors' script, quirks included; strict (default): every item "
        "counted, unparseable answers counted wrong",
    )
    p.add_argument("--scorer", help="use this registered scorer instead of the mode's own")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from audiomcq_plugins.plugins import RegistryError
    from audiomcq_plugins.scoring import InputError, format_table, score_file
    from audiomcq_plugins.scoring.formats import resolve_format

    try:
        report = score_file(args.pred_file, args.benchmark, args.mode, args.scorer)
        style = resolve_format(args.benchmark).style
    except (InputError, RegistryError, OSError) as exc:
        msg = str(exc)
        raise CLIError(msg if args.pred_file in msg else f"{args.pred_file}: {msg}") from None
    for warning in report.warnings:
        print(f"audiomcq score: warning: {warning}", file=sys.stderr)
    if args.json:
        json.dump(report.to_dict(), sys.stdout)
        sys.stdout.write("\n")
    else:
        print(format_table(report, style=style))
    return 0
