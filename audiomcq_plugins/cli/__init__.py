"""The ``audiomcq`` command. Each subcommand lives in its own module exposing
``add_parser(subparsers)``, which registers the subcommand and sets ``func`` on it."""

from __future__ import annotations

import argparse
import importlib
import sys

from audiomcq_plugins import __version__

#: Subcommand modules under ``audiomcq_plugins.cli``, in help order.
COMMANDS: tuple[str, ...] = (
    "score",
    "plugins_cmd",
    "prepare",
    "validate",
    "tiny_model",
    "eval",
    "task_dir",
    "train",
    "contribution",
    "report",
)


class CLIError(Exception):
    """An error the CLI reports in one line with exit status 2 (no traceback)."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="audiomcq",
        description="Audio multiple-choice benchmarks, contribution-aware evaluation and "
        "post-training.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"audiomcq_plugins.cli.{name}").add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    if extra and not getattr(args, "accepts_extra", False):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if getattr(args, "accepts_extra", False):
        args.extra = extra
    try:
        return int(args.func(args) or 0)
    except (CLIError, FileNotFoundError, ValueError, KeyError) as exc:
        msg = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"audiomcq: error: {msg}", file=sys.stderr)
        return 2
