"""``audiomcq validate FILE``: every problem of a canonical JSONL file at once."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from audiomcq_plugins.cli import options


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "validate",
        help="report every problem of a canonical JSONL file (exit 1 on errors)",
        description="Check every item of FILE: text fields, choices, answer, duplicate ids and "
        "(unless --skip-audio) that each clip exists inside the data root and decodes.",
    )
    p.add_argument("file", help="canonical JSONL (from `audiomcq prepare`)")
    options.data_root(
        p,
        "directory audio paths are relative to (default: the "
        "one recorded by `audiomcq prepare`, else the file's directory)",
    )
    options.skip_audio(p, "do not open the clips")
    p.add_argument(
        "--answers-withheld",
        action="store_true",
        help="empty answers are expected (MMAU test); default: from the meta file",
    )
    p.add_argument(
        "--strict",
        action="store_true",
        help="treat warnings (kept quirks such as duplicate choices) as errors",
    )
    p.add_argument("--json", action="store_true", help="print the problems as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from audiomcq_plugins.benchmarks.prepare import read_meta
    from audiomcq_plugins.items import validate_items

    meta = read_meta(args.file) or {}
    data_root = args.data_root or meta.get("data_root") or str(Path(args.file).parent)
    withheld = args.answers_withheld or bool(meta.get("answers_withheld"))
    items = _load(args.file)
    problems = validate_items(
        items,
        data_root=data_root,
        check_audio=not args.skip_audio,
        answer_required=not withheld,
        warnings=True,
    )
    errors = [p for p in problems if args.strict or p.severity == "error"]
    if args.json:
        print(
            json.dumps(
                {
                    "file": args.file,
                    "items": len(items),
                    "problems": [
                        {
                            "id": p.item_id,
                            "field": p.field,
                            "message": p.message,
                            "severity": p.severity,
                        }
                        for p in problems
                    ],
                }
            )
        )
    else:
        for p in problems:
            print(p)
        bad = len({p.item_id for p in errors})
        print(
            f"{args.file}: {len(items)} items, {len(errors)} error(s) in {bad} item(s), "
            f"{len(problems) - len(errors)} warning(s)"
        )
    return 1 if errors else 0


def _load(path: str) -> list:
    """The items of ``path``; an empty file, or a benchmark's raw metadata, is an error that
    says what to do."""
    from audiomcq_plugins.cli import CLIError
    from audiomcq_plugins.items import load_items
    from audiomcq_plugins.recordfiles import RecordFileError

    try:
        items = load_items(path)
    except (RecordFileError, ValueError) as exc:
        with open(path, encoding="utf-8", errors="replace") as fh:
            head = fh.read(64).lstrip()
        if head.startswith(("[", "{\n", "{\r")) and not path.endswith(".jsonl"):
            raise CLIError(
                f"{path}: this looks like a benchmark's source metadata, not canonical items; "
                f"run `audiomcq prepare BENCHMARK --source {path} --out DIR` first, then "
                "validate DIR/BENCHMARK.jsonl"
            ) from None
        raise CLIError(f"{path}: {exc}" if path not in str(exc) else str(exc)) from None
    if not items:
        raise CLIError(f"{path}: no items (the file is empty); nothing to validate")
    return items
