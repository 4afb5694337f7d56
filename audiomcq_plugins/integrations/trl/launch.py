"""The training process ``audiomcq train`` starts: ``accelerate launch -m
audiomcq_plugins.integrations.trl.launch {sft,grpo} ARGS``. Ctrl-C and SIGTERM end it with
status 130 and no traceback from its first line on (the stage module's imports take seconds;
:func:`audiomcq_plugins.processes.exit_quietly_on_interrupt`); then it runs the stage module's
``main`` on ``ARGS``."""

from __future__ import annotations

import importlib
import sys

from audiomcq_plugins.processes import exit_quietly_on_interrupt

STAGES = ("sft", "grpo")


def main() -> int:
    exit_quietly_on_interrupt()
    stage = sys.argv.pop(1)
    if stage not in STAGES:
        raise SystemExit(f"usage: python -m {__name__} {{{','.join(STAGES)}}} ARGS")
    return importlib.import_module(f"audiomcq_plugins.integrations.trl.{stage}").main()


if __name__ == "__main__":
    raise SystemExit(main())
