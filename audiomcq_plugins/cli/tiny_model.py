"""``audiomcq tiny-model``: build a tiny random audio LM checkpoint offline."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    from audiomcq_plugins.models.tiny import ARCHS, SIZES

    p = sub.add_parser(
        "tiny-model",
        help="build a tiny random audio LM of a real architecture (offline, seconds)",
        description="Write a tiny random model of the real transformers class, with a locally "
        "trained tokenizer, chat template and processor, loadable with from_pretrained.",
    )
    p.add_argument("--arch", choices=ARCHS, default="qwen2-audio")
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument(
        "--size",
        choices=list(SIZES),
        default="tiny",
        help="tiny (default; tests) or small (about 100 M parameters, for performance work)",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--extra-text",
        action="append",
        default=[],
        metavar="TEXT",
        help="extra text for the tokenizer's training corpus (repeatable)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from audiomcq_plugins.models.tiny import build_tiny_model

    out = build_tiny_model(
        args.arch, args.out, size=args.size, seed=args.seed, extra_texts=args.extra_text
    )
    print(out)
    return 0
