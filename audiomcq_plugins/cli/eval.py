"""``audiomcq eval ...``: lm-eval's command line with our audio tasks and models added."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "eval",
        help="run lm-eval with the audio tasks and the audiomcq-hf/-vllm/-api models",
        description="All arguments go to lm-eval unchanged (see `lm_eval --help`), e.g. "
        "audiomcq eval --model audiomcq-hf --model_args pretrained=DIR "
        "--tasks mmau_test_mini,arc_easy",
        allow_abbrev=False,
        add_help=False,
    )
    p.add_argument(
        "--data-dir",
        default=None,
        help="benchmark data root (sets AUDIOMCQ_DATA_DIR for this run)",
    )
    p.set_defaults(
        func=run,
        accepts_extra=True,
        interrupt_hint="re-run the same command with --use_cache DB to reuse the answers "
        "computed so far",
    )


def run(args: argparse.Namespace) -> int:
    from audiomcq_plugins.cli import CLIError
    from audiomcq_plugins.cli.preflight import (
        check_model_args,
        check_model_path,
        check_task_data,
        move_harness_args,
    )

    args.extra = move_harness_args(args.extra)
    check_model_args(args.extra)
    check_model_path(args.extra)
    check_task_data(args.extra, args.data_dir)
    from audiomcq_plugins.integrations.lm_eval.cli import run_lm_eval
    from audiomcq_plugins.versions import UntestedVersionError

    try:
        return run_lm_eval(args.extra, data_dir=args.data_dir)
    except UntestedVersionError as exc:
        raise CLIError(str(exc)) from None
