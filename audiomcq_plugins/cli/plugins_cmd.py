"""``audiomcq plugins``: list installed plugins and what each registers."""

from __future__ import annotations

import argparse
import json

from audiomcq_plugins import plugins


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("plugins", help="list plugins and what each registers")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    info = plugins.describe()
    if args.json:
        print(json.dumps(info, indent=2, sort_keys=True))
        return 0
    for name in sorted(info):
        print(name)
        for kind, names in sorted(info[name].items()):
            print(f"  {kind}: {', '.join(names)}")
    return 0
