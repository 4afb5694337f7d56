"""``audiomcq contribution label``: weak/strong labels by the silent-audio vote."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from audiomcq_plugins.benchmarks.spec import ENV_VAR
from audiomcq_plugins.cli import options

EPILOG = """examples:
  audiomcq contribution label --benchmark mmau_test_mini --out mmau_labels.jsonl \\
      --models audiomcq-hf:pretrained=A audiomcq-hf:pretrained=B audiomcq-hf:pretrained=C
  audiomcq contribution label --benchmark mmar --from-samples runs/a runs/b runs/c --out mmar.jsonl
Arguments after `--` go to every lm-eval run (e.g. -- --gen_kwargs max_gen_toks=64)."""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("contribution", help="audio-contribution labels (the silent-audio vote)")
    inner = p.add_subparsers(dest="contribution_command", metavar="COMMAND")
    lab = inner.add_parser(
        "label",
        help="label every item weak/strong by asking models without the audio",
        description="Ask each model every question of TASK with silence in place of the clip "
        "(text models: with no audio), then label an item weak when enough of them still "
        "answer correctly (--rule), else strong.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    lab.add_argument(
        "--benchmark", dest="task", help="the benchmark (its base task), e.g. mmau_test_mini"
    )
    options.deprecated(lab, "--task", dest="task")
    lab.add_argument("--out", required=True, help="labels JSONL to write")
    lab.add_argument(
        "--models",
        nargs="+",
        default=[],
        metavar="MODEL:ARGS",
        help="audio models, each lm-eval MODEL:model_args (default model "
        "audiomcq-hf), e.g. audiomcq-hf:pretrained=DIR,batch_size=8",
    )
    lab.add_argument(
        "--text-models",
        nargs="+",
        default=[],
        metavar="MODEL:ARGS",
        help="text-only LMs asked with no audio (default model hf)",
    )
    lab.add_argument(
        "--from-samples",
        nargs="+",
        default=[],
        metavar="DIR",
        help="vote from lm-eval --log_samples output instead of running models",
    )
    lab.add_argument(
        "--rule",
        default="2/3",
        help="M/K: weak iff at least M of K voters are correct (default 2/3), or 'majority'",
    )
    lab.add_argument(
        "--mode",
        choices=("strict", "official"),
        default="strict",
        help="how a voter's answer is scored (as in `audiomcq score`)",
    )
    options.deprecated(lab, "--scorer", dest="mode")
    lab.add_argument(
        "--silence",
        choices=("30s", "clip", "noise"),
        default="30s",
        help="30 s of silence (the paper), silence as long as the clip, or noise",
    )
    lab.add_argument("--work", help="run directory (default: OUT's name + .work)")
    options.data_dir(lab, "folder of every benchmark's data (sets AUDIOMCQ_DATA_DIR)")
    lab.add_argument("--metadata", default="{}", help="JSON task metadata for every run")
    lab.set_defaults(func=run_label, accepts_extra=True)
    p.set_defaults(func=lambda _args: p.print_help() or 2)


def run_label(args: argparse.Namespace) -> int:
    from audiomcq_plugins.benchmarks.spec import get_spec
    from audiomcq_plugins.cli import CLIError
    from audiomcq_plugins.contribution import runner
    from audiomcq_plugins.contribution.vote import Rule

    if not args.task:
        raise CLIError("contribution label: --benchmark is required, e.g. --benchmark mmar")
    extra = [a for a in getattr(args, "extra", []) if a != "--"]
    rule = Rule.parse(args.rule)
    out = Path(args.out)
    if args.from_samples:
        if args.models or args.text_models:
            raise CLIError("give either --from-samples or --models/--text-models, not both")
        path = runner.label_from_samples(
            args.task, args.from_samples, out=out, rule=rule, scorer=args.mode
        )
    else:
        if args.data_dir:
            os.environ[ENV_VAR] = str(Path(args.data_dir).expanduser().resolve())
        try:
            metadata = json.loads(args.metadata)
        except json.JSONDecodeError as exc:
            raise CLIError(f"--metadata is not JSON: {exc}") from None
        get_spec(args.task)  # an unknown one: the registry's error, with the closest names
        specs = [runner.ProbeSpec.parse(m, "audio") for m in args.models]
        specs += [runner.ProbeSpec.parse(m, "text") for m in args.text_models]
        preflight(args.task, specs, args.metadata, args.data_dir)
        work = Path(args.work) if args.work else out.with_name(out.name + ".work")
        path = runner.label(
            args.task,
            specs,
            work=work,
            out=out,
            rule=rule,
            scorer=args.mode,
            silence=args.silence,
            metadata=metadata,
            extra=extra,
        )
    head = json.loads(path.read_text(encoding="utf-8").splitlines()[0])
    s = head["summary"]
    print(f"{path}: {s['items']} items, {s['weak']} weak, {s['strong']} strong ({head['rule']})")
    return 0


def preflight(task: str, specs: list, metadata: str, data_dir: str | None) -> None:
    """What ``audiomcq eval`` checks before loading a model, for every voter: its arguments (our
    models take no unknown key), local model paths that exist, and the benchmark's data."""
    from audiomcq_plugins.cli.preflight import check_model_args, check_model_path, check_task_data

    for spec in specs:
        check_model_args(["--model", spec.model, "--model_args", spec.args])
        check_model_path(["--model_args", spec.args])
    check_task_data(["--tasks", task, "--metadata", metadata], data_dir)
