"""The ``audiomcq`` command. Each built-in subcommand lives in its own module exposing
``add_parser(subparsers)``, which registers the subcommand and sets ``func`` on it; plugins add
theirs through the ``register_commands`` hook (:func:`add_plugin_commands`)."""

from __future__ import annotations

import argparse
import importlib
import inspect
import os
import sys
import threading

from audiomcq_plugins import __version__
from audiomcq_plugins.processes import interruptible

#: Subcommand modules under ``audiomcq_plugins.cli``, in help order.
COMMANDS: tuple[str, ...] = (
    "score",
    "plugins_cmd",
    "prepare",
    "validate",
    "tiny_model",
    "eval",
    "submission",
    "lighteval_cmd",
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
        epilog=_extras_epilog(),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"audiomcq_plugins.cli.{name}").add_parser(sub)
    add_plugin_commands(sub)
    return parser


def _extras_epilog() -> str:
    from audiomcq_plugins.extras import installed_extras

    installed, missing = installed_extras()
    text = f"optional extras installed: {', '.join(installed) or 'none'}"
    if missing:
        text += f"; not installed: {', '.join(missing)} (pip install 'audiomcq-plugins[EXTRA]')"
    return text


def add_plugin_commands(sub: argparse._SubParsersAction) -> None:
    """Add every command registered through ``register_commands``: ``configure(parser)``
    gets the new subparser (help: its docstring's first line; description: the rest)."""
    from audiomcq_plugins import plugins

    for entry in plugins.registry("commands").entries.values():
        if entry.name in sub.choices:
            raise plugins.DuplicateNameError(
                f"command {entry.name!r} of plugin {entry.plugin!r} is a built-in `audiomcq` "
                "command; rename it"
            )
        doc = inspect.getdoc(entry.value) or ""
        summary, _, rest = doc.partition("\n")
        parser = sub.add_parser(entry.name, help=summary, description=rest.strip() or summary)
        entry.value(parser)
        if not parser.get_default("func"):
            raise plugins.RegistryError(
                f"command {entry.name!r} of plugin {entry.plugin!r} set no func: its configure "
                "function must call parser.set_defaults(func=run)"
            )


def _run_command(args: argparse.Namespace) -> int:
    """Run the chosen command; SIGTERM is treated as Ctrl-C (not in processes forked from it:
    :mod:`audiomcq_plugins.processes`), and either ends in one line (status 130) after the
    command's own cleanup ran."""
    if threading.current_thread() is not threading.main_thread():
        return int(args.func(args) or 0)

    def run() -> int:
        try:
            return int(args.func(args) or 0)
        except BrokenPipeError:  # `audiomcq ... | head`: the reader left; not an error of ours
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0

    return interruptible(run, args.command, getattr(args, "interrupt_hint", ""))


def main(argv: list[str] | None = None) -> int:
    from audiomcq_plugins.plugins import RegistryError

    argv = sys.argv[1:] if argv is None else argv
    try:
        parser = build_parser()
    except RegistryError as exc:  # a plugin's commands clash or are malformed
        print(f"audiomcq: error: {exc}", file=sys.stderr)
        return 2
    args, extra = parser.parse_known_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    if extra and not getattr(args, "accepts_extra", False):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if getattr(args, "accepts_extra", False):
        args.extra = extra
    try:
        return _run_command(args)
    except ModuleNotFoundError as exc:  # an optional extra is not installed
        from audiomcq_plugins.extras import missing_module_message

        msg = missing_module_message(exc.name or "", args.command)
        if msg is None:
            raise
        print(f"audiomcq: error: {msg}", file=sys.stderr)
        return 2
    except (CLIError, FileNotFoundError, ValueError, KeyError) as exc:
        msg = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"audiomcq: error: {msg}", file=sys.stderr)
        return 2
