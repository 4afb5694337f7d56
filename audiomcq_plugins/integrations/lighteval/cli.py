"""lighteval's own command line, with :mod:`.compat` installed first and our tasks added.

``--custom-tasks`` defaults to our task module; a user's module or file given there is merged
with ours (so a local text task and our audio tasks run in one evaluation). ``data_dir`` sets
``$AUDIOMCQ_DATA_DIR``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from audiomcq_plugins.benchmarks.spec import ENV_VAR

MODULE = "audiomcq_plugins.integrations.lighteval"


def merged_module(theirs: ModuleType) -> ModuleType:
    """A module whose ``TASKS_TABLE`` holds ours and ``theirs``' (a name in both is an
    error naming it)."""
    import audiomcq_plugins.integrations.lighteval as ours

    if theirs is ours:
        return ours
    mine = {c.name for c in ours.TASKS_TABLE}
    table = list(getattr(theirs, "TASKS_TABLE", []))
    clash = sorted(mine & {c.name for c in table})
    if clash:
        raise ValueError(
            f"custom tasks {theirs.__name__} define {', '.join(clash)}, which audiomcq-plugins "
            "already defines; rename them"
        )
    merged = ModuleType(f"{theirs.__name__}+audiomcq")
    merged.__doc__ = theirs.__doc__
    merged.TASKS_TABLE = [*ours.TASKS_TABLE, *table]  # type: ignore[attr-defined]
    return merged


def _merge_custom_tasks() -> None:
    from lighteval.tasks.registry import Registry

    original = Registry.create_custom_tasks_module
    if getattr(original, "_audiomcq", False):
        return

    def create(custom_tasks: Any) -> ModuleType:
        return merged_module(original(custom_tasks))

    create._audiomcq = True  # type: ignore[attr-defined]
    Registry.create_custom_tasks_module = staticmethod(create)


def _with_custom_tasks(argv: Sequence[str]) -> list[str]:
    args = list(argv)
    if args and args[0] in ("custom", "accelerate", "vllm", "endpoint", "sglang", "tasks"):
        if not any(a == "--custom-tasks" or a.startswith("--custom-tasks=") for a in args):
            args += ["--custom-tasks", MODULE]
    return args


#: The exit status typer gives a ``KeyboardInterrupt``.
INTERRUPTED = 130


def run_lighteval(argv: Sequence[str], *, data_dir: str | None = None) -> int:
    """Run ``lighteval ARGV`` in this process with our fixes and tasks."""
    if data_dir:
        os.environ[ENV_VAR] = str(Path(data_dir).expanduser().resolve())
    from audiomcq_plugins.integrations.lighteval import compat

    compat.install()
    _merge_custom_tasks()
    from lighteval.__main__ import app

    try:
        app(args=_with_custom_tasks(argv), prog_name="lighteval")
    except SystemExit as exc:
        if exc.code == INTERRUPTED:  # typer turns Ctrl-C (and our SIGTERM) into exit 130
            raise KeyboardInterrupt from None  # the command's one line, as everywhere
        return int(exc.code or 0) if not isinstance(exc.code, str) else 1
    return 0
