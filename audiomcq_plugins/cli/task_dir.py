"""``audiomcq task-dir``: print the lm-eval task directory (for ``--include_path``)."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "task-dir",
        help="print the directory of our lm-eval task YAMLs",
        description='Use as: lm_eval --include_path "$(audiomcq task-dir)" ...',
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from audiomcq_plugins.integrations.lm_eval import task_dir

    print(task_dir())
    return 0
