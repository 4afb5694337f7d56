"""``audiomcq task-dir``: print a task directory for a harness's ``--include_path``."""

from __future__ import annotations

import argparse
import json

HARNESSES = ("lm-eval", "lmms-eval")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "task-dir",
        help="print a directory with the task YAML of every registered task",
        description='Use as: lm_eval --include_path "$(audiomcq task-dir)" ... or lmms-eval '
        '--include_path "$(audiomcq task-dir --harness lmms-eval)" ... For lm-eval: the '
        "shipped task_configs/ unless plugins add benchmarks; then a cache directory holding "
        "every task, rewritten when the registry changes. For lmms-eval: a cache directory "
        "whose tasks replace lmms-eval's own of the same name (mmau_test_mini, mmar, mmsu).",
    )
    p.add_argument("--harness", choices=HARNESSES, default="lm-eval")
    p.add_argument(
        "--metadata",
        help="lmms-eval only (it has no --metadata option): a JSON object of task options "
        "added to every task, e.g. "
        '\'{"sources": {"mmau_test_mini": "/data/mmau"}, "contribution_labels": "labels.jsonl"}\'',
    )
    p.set_defaults(func=run)


def _metadata(text: str | None) -> dict | None:
    if text is None:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"task-dir: --metadata is not JSON ({exc}): {text!r}") from None
    if not isinstance(value, dict):
        raise ValueError(f"task-dir: --metadata must be a JSON object, not {text!r}")
    return value


def run(args: argparse.Namespace) -> int:
    metadata = _metadata(args.metadata)
    if args.harness == "lm-eval":
        if metadata is not None:
            raise ValueError(
                "task-dir: --metadata is for --harness lmms-eval; lm-eval takes "
                "--metadata '{...}' itself"
            )
        from audiomcq_plugins.integrations.lm_eval import task_dir

        print(task_dir())
        return 0
    from audiomcq_plugins.integrations.lmms_eval.task_yaml import task_dir as lmms_task_dir

    print(lmms_task_dir(metadata))
    return 0
