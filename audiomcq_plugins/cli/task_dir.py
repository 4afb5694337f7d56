"""``audiomcq task-dir``: print the lm-eval task directory (for ``--include_path``)."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "task-dir",
        help="print a directory with the lm-eval YAML of every registered task",
        description='Use as: lm_eval --include_path "$(audiomcq task-dir)" ... The shipped '
        "task_configs/ unless plugins add benchmarks; then a cache directory holding every "
        "task, rewritten when the registry changes.",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from audiomcq_plugins.integrations.lm_eval import task_dir

    print(task_dir())
    return 0
