"""``audiomcq train``: TRL data preparation and the audio SFT / GRPO entry points.

::

    audiomcq train prepare-data --items ITEMS.jsonl --data-root DIR --out OUT
    audiomcq train extract-thinker FULL_OMNI_CHECKPOINT --out OUT
    audiomcq train sft  --config RECIPE.yaml [--accelerate_config zero2] [--any_flag value ...]
    audiomcq train grpo --config RECIPE.yaml [...]

``sft``/``grpo`` behave like ``trl sft``/``trl grpo``: recipe keys are defaults, flags override,
an ``env:`` block is exported, keys no trainer knows go to ``accelerate launch``; they launch
``accelerate launch -m audiomcq_plugins.integrations.trl.launch {sft,grpo}`` after validating a
local dataset, so a data problem is reported once, before any process starts. Ctrl-C or SIGTERM
end the training processes quietly and the command in one line (status 130).
"""

from __future__ import annotations

import argparse
import importlib
import json
import subprocess
import sys
from pathlib import Path

from audiomcq_plugins.cli import options


def add_parser(sub) -> None:  # noqa: ANN001
    train = sub.add_parser(
        "train", help="TRL post-training: prepare data, audio SFT and GRPO (needs the trl extra)"
    )
    stages = train.add_subparsers(dest="train_command", metavar="STAGE")
    prep = stages.add_parser(
        "prepare-data",
        help="canonical items -> TRL-ready JSONL (sft|grpo x weak|strong|mixed)",
    )
    prep.add_argument("--items", required=True, help="canonical JSONL (from `audiomcq prepare`)")
    options.data_root(prep, "directory the items' audio paths are under", required=True)
    prep.add_argument("--out", required=True, help="output directory")
    prep.add_argument("--prompt-format", default="r1aqa", help="registered prompt format")
    prep.add_argument("--system-prompt", default=None, help="default: the AudioMCQ system prompt")
    options.skip_audio(prep, "skip decoding every clip (faster)")
    prep.add_argument(
        "--labels",
        help="weak/strong labels from `audiomcq contribution label` (default: the items' own)",
    )
    prep.set_defaults(func=run_prepare)
    add_extract_thinker(stages)
    for stage in ("sft", "grpo"):
        p = stages.add_parser(
            stage,
            add_help=False,  # -h reaches TRL's parser (every config field)
            help=f"audio {stage.upper()} with accelerate (options: `audiomcq train {stage} -h`)",
        )
        p.set_defaults(func=run_stage, stage=stage, accepts_extra=True)
    train.set_defaults(func=lambda args: train.print_help() or 2)


def run_prepare(args: argparse.Namespace) -> int:
    from audiomcq_plugins.integrations.trl.data import prepare

    manifest = prepare(
        args.items,
        args.data_root,
        args.out,
        prompt_format=args.prompt_format,
        system_prompt=args.system_prompt,
        check_audio=not args.skip_audio,
        labels=args.labels,
    )
    print(json.dumps(manifest, indent=2))
    return 0


#: How ``accelerate launch`` ends after terminating its training process on Ctrl-C / SIGTERM.
INTERRUPTED_EXITS = (130, 128 + 15)


def run_stage(args: argparse.Namespace) -> int:
    try:
        launch(args.stage, list(args.extra))
    except SystemExit as exc:
        if exc.code in INTERRUPTED_EXITS:  # accelerate stopped its child: our one line, 130
            raise KeyboardInterrupt from None
        raise
    return 0


def launch(stage: str, argv: list[str]) -> None:
    """Parse ``argv`` like TRL's CLI, validate a local dataset, then ``accelerate launch``."""
    from accelerate.commands.launch import launch_command, launch_command_parser
    from trl.cli.accelerate_config import resolve_accelerate_config_argument

    from audiomcq_plugins.cli import CLIError
    from audiomcq_plugins.cli.train_checks import check_rewards, check_unknown_keys
    from audiomcq_plugins.integrations.trl.data import validate_dataset

    module = f"audiomcq_plugins.integrations.trl.{stage}"
    parser = importlib.import_module(module).make_parser(prog=f"audiomcq train {stage}")
    parsed = parser.parse_args_and_config(
        argv, return_remaining_strings=True, separate_remaining_strings=True
    )
    script_args, config_remaining, cli_remaining = parsed[0], parsed[-2], parsed[-1]
    launch_parser = launch_command_parser()
    check_unknown_keys(
        stage,
        parser,
        launch_parser,
        resolve_accelerate_config_argument(config_remaining),
        resolve_accelerate_config_argument(cli_remaining),
    )
    if stage == "grpo":
        check_rewards(script_args.reward_funcs)
    if script_args.dataset_name and Path(script_args.dataset_name).exists():
        validate_dataset(script_args.dataset_name, stage)
    launch_args = resolve_accelerate_config_argument(config_remaining + cli_remaining)
    script_argv = _without(argv, cli_remaining)
    try:
        entry = ["-m", "audiomcq_plugins.integrations.trl.launch", stage]
        launch_command(launch_parser.parse_args([*launch_args, *entry, *script_argv]))
    except subprocess.CalledProcessError as exc:  # the child printed its own error
        raise CLIError(
            f"train {stage}: the training process exited with status {exc.returncode} "
            "(its output is above)"
        ) from None


def _without(tokens: list[str], remove: list[str]) -> list[str]:
    """``tokens`` minus the ordered subsequence ``remove`` (the accelerate-only flags)."""
    out, it = [], iter(remove)
    current = next(it, None)
    for token in tokens:
        if current is not None and token == current:
            current = next(it, None)
        else:
            out.append(token)
    return out


def add_extract_thinker(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``extract-thinker`` on a subparsers object (e.g. ``audiomcq train``'s)."""
    from audiomcq_plugins.models import thinker  # light: torch is imported when it runs

    p = sub.add_parser(
        "extract-thinker",
        help="save the thinker of a full Qwen2.5-Omni / Qwen3-Omni checkpoint (+ processor)",
        description=thinker.__doc__.split("\n\n")[1],
    )
    p.add_argument("src", help="directory of the full Omni checkpoint")
    p.add_argument("--out", dest="out", help="directory to write the thinker-only checkpoint to")
    p.add_argument("old_out", nargs="?", help=argparse.SUPPRESS)  # SRC OUT: the old spelling
    p.add_argument("--dtype", default="auto", help="weights dtype (default: as stored)")
    p.add_argument("--max-shard-size", default="5GB", help="largest weights file (default 5GB)")
    p.add_argument("--overwrite", action="store_true", help="replace a non-empty OUT")
    p.set_defaults(func=run_extract_thinker)
    return p


def run_extract_thinker(args: argparse.Namespace) -> int:
    from audiomcq_plugins.cli import CLIError
    from audiomcq_plugins.models.thinker import extract_thinker

    if args.old_out and not args.out:
        print(
            "audiomcq: warning: `extract-thinker SRC OUT` is deprecated and will be removed; "
            "use `extract-thinker SRC --out OUT`",
            file=sys.stderr,
        )
    target = args.out or args.old_out
    if not target or (args.out and args.old_out):
        raise CLIError("train extract-thinker: give the output directory once, as --out DIR")
    out = extract_thinker(
        args.src,
        target,
        dtype=args.dtype,
        max_shard_size=args.max_shard_size,
        overwrite=args.overwrite,
    )
    print(f"thinker written to {out}")
    return 0
