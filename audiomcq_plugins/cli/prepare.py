"""``audiomcq prepare BENCHMARK --out DIR``: canonical JSONL + audio checks + a summary."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from audiomcq_plugins.cli import options as flags
from audiomcq_plugins.items import ValidationError


def _key_values(pairs: list[str], what: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValueError(f"{what} {pair!r}: expected KEY=VALUE")
        try:
            out[key] = json.loads(value)
        except json.JSONDecodeError:
            out[key] = value
    return out


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "prepare",
        help="turn a benchmark's files into canonical JSONL, checking every clip",
        description="Load BENCHMARK from its official layout, normalise it, decode every clip "
        "(in parallel) and write OUT/<benchmark>.jsonl and OUT/<benchmark>.meta.json. "
        "Re-running continues where an interrupted run stopped.",
    )
    p.add_argument("benchmark", help="benchmark name (see `audiomcq plugins`)")
    p.add_argument(
        "--source",
        help="directory in the official layout (or its metadata file); "
        "default: $AUDIOMCQ_DATA_DIR/<benchmark>, then the Hub",
    )
    p.add_argument("--out", required=True, help="output directory")
    flags.skip_audio(p, "do not decode the clips")
    p.add_argument(
        "--workers", type=int, default=None, help="decoding processes (default: all cores)"
    )
    p.add_argument(
        "--skip-invalid",
        action="store_true",
        help="leave out items whose answer is not among the choices (listed)",
    )
    p.add_argument(
        "--skip-bad-audio",
        action="store_true",
        help="leave out items whose clip is missing or unreadable (listed)",
    )
    flags.data_root(p, "directory the source's audio paths are relative to")
    p.add_argument(
        "--field",
        action="append",
        default=[],
        metavar="FIELD=COLUMN",
        help="map a canonical field to your copy's column (repeatable)",
    )
    p.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="loader option, VALUE parsed as JSON when it can be (repeatable), "
        "e.g. n=2000 for audiomcq_synth",
    )
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(
        func=run,
        interrupt_hint="re-run the same command to continue where it stopped",
    )


def run(args: argparse.Namespace) -> int:
    from audiomcq_plugins.benchmarks.prepare import prepare

    options = _key_values(args.option, "--option")
    if args.field:
        options["fields"] = {k: str(v) for k, v in _key_values(args.field, "--field").items()}
    if args.data_root:
        options["audio_base"] = args.data_root
    try:
        result = prepare(
            args.benchmark,
            args.source,
            args.out,
            skip_audio=args.skip_audio,
            workers=args.workers,
            skip_invalid=args.skip_invalid,
            skip_bad_audio=args.skip_bad_audio,
            progress=not args.no_progress,
            **options,
        )
    except ValidationError as exc:
        print(f"audiomcq prepare: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(
            json.dumps(
                {
                    "path": str(result.path),
                    "summary": result.summary,
                    "skipped": result.skipped,
                    "up_to_date": result.up_to_date,
                }
            )
        )
        return 0
    state = "already up to date" if result.up_to_date else f"{result.n_items} items"
    print(f"{args.benchmark}: {state} -> {result.path}")
    if result.resumed:
        print(f"  resumed: {result.resumed} clips checked by an earlier run")
    for kind, ids in result.skipped.items():
        if ids:
            print(f"  skipped ({kind}): {len(ids)}: {', '.join(ids[:10])}")
    print(format_summary(result.summary))
    return 0


def format_summary(summary: dict[str, Any]) -> str:
    """The per-breakdown table, one block per field."""
    head = f"  total: {summary['items']} items"
    if "seconds" in summary:
        head += f", {summary['seconds'] / 3600:.2f} h of audio"
    lines = [head]
    for name, table in summary.items():
        if not isinstance(table, dict):
            continue
        lines.append(f"  by {name}:")
        for value, row in table.items():
            secs = f"  {row['seconds']:.0f} s" if "seconds" in row else ""
            lines.append(f"    {value:<40} {row['items']:>7}{secs}")
    return "\n".join(lines)
