"""Checks ``audiomcq train sft|grpo`` runs before ``accelerate launch`` starts a process: a
recipe key or flag that neither the trainer nor accelerate knows, and (GRPO) a reward name that
does not resolve, are reported in one line instead of accelerate's usage or a child traceback."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import Any

from audiomcq_plugins.cli import CLIError


def _flags(parser: Any) -> set[str]:
    """The ``--long`` option names (without dashes) an argparse parser accepts."""
    return {s[2:] for s in parser._option_string_actions if s.startswith("--")}


def check_unknown_keys(
    stage: str,
    trainer_parser: Any,
    launch_parser: Any,
    config_remaining: Sequence[str],
    cli_remaining: Sequence[str],
) -> None:
    """Refuse recipe keys / flags left over for accelerate that accelerate does not accept,
    naming each with the closest trainer or accelerate options."""
    accelerate = _flags(launch_parser)
    known = sorted({n.replace("-", "_") for n in _flags(trainer_parser) | accelerate})
    for origin, tokens in (("recipe key", config_remaining), ("flag", cli_remaining)):
        for name in _option_names(tokens):
            if name in accelerate:
                continue
            close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
            hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
            raise CLIError(
                f"train {stage}: unknown {origin} {name!r}: neither the {stage.upper()} trainer "
                f"nor accelerate knows it{hint} (all options: `audiomcq train {stage} -h`)"
            )


def _option_names(tokens: Iterable[str]) -> list[str]:
    return [t[2:].split("=", 1)[0] for t in tokens if t.startswith("--") and len(t) > 2]


def check_rewards(names: Sequence[str] | None) -> None:
    """Resolve every ``reward_funcs`` entry now, so a typo is one line before launch."""
    from audiomcq_plugins.integrations.trl.grpo import resolve_reward

    for name in names or []:
        try:
            resolve_reward(name)
        except (KeyError, ValueError) as exc:
            msg = exc.args[0] if exc.args else str(exc)
            raise CLIError(f"train grpo: recipe reward_funcs: {msg}") from None
