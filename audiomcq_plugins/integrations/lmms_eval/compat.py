"""What lmms-eval 0.7 needs to run our tasks, installed once by :func:`install`.

- A version guard: tasks and models are tested with the releases in
  :data:`TESTED_LMMS_EVAL_VERSIONS`; another release is refused with what to install.
- Task precedence: lmms-eval indexes its own task folder first and lets it win over every
  ``--include_path`` (``{**include, **builtin}``), so its own ``mmau_test_mini``, ``mmar`` and
  ``mmsu`` (letter-only parsing, a random option when nothing parses) would shadow ours of the
  same names. A directory we rendered carries :data:`MARKER`; when such a directory is on the
  include path, its tasks replace the built-ins of the same name, and the replaced names are
  logged. Other include paths keep lmms-eval's rule.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from audiomcq_plugins.versions import Patch, UntestedVersionError, installed_version, require_tested

logger = logging.getLogger(__name__)

#: lmms-eval releases the integration was tested with (tests/test_lmms_eval.py).
TESTED_LMMS_EVAL_VERSIONS: tuple[str, ...] = ("0.7.3",)
#: The file that marks a task directory as ours (written by :mod:`.task_yaml`).
MARKER = ".audiomcq-tasks"
_GUARD = "integrations.lmms_eval.compat.require_tested_lmms_eval"

#: Every place we reach into lmms-eval internals (the rule: docs/architecture.md).
PATCHES: tuple[Patch, ...] = (
    Patch(
        "integrations/lmms_eval/compat.py: TaskManager.initialize_tasks",
        "replaces",
        "tasks of our include path replace lmms-eval's built-in tasks of the same name "
        "(lmms-eval lets built-ins win)",
        "when lmms-eval loads our model entry point (on importing lmms_eval.models)",
        _GUARD,
    ),
    Patch(
        "integrations/lmms_eval/tasks.py: AudioMCQTask.download",
        "overrides",
        "our tasks load through the benchmark registry, not datasets.load_dataset(dataset_path)",
        "when lmms-eval builds one of our tasks (the YAML's `class`)",
        _GUARD,
    ),
)


class UntestedLmmsEvalError(UntestedVersionError):
    """lmms-eval is missing or is a release our adapter was not tested with."""


def require_tested_lmms_eval() -> str:
    """The installed lmms-eval version, or an error naming the tested one."""
    found = installed_version(
        "lmms_eval", TESTED_LMMS_EVAL_VERSIONS, "lmms-eval", UntestedLmmsEvalError
    )
    return require_tested(
        "lmms-eval",
        found,
        TESTED_LMMS_EVAL_VERSIONS,
        what="lmms-eval adapter",
        why="It replaces how lmms-eval orders task directories and loads task data.",
        error=UntestedLmmsEvalError,
    )


def _ours(include_path: Any) -> list[str]:
    paths = [include_path] if isinstance(include_path, str) else list(include_path or [])
    return [str(p) for p in paths if (Path(p) / MARKER).is_file()]


def install() -> None:
    """Put the task-precedence rule in place (idempotent)."""
    from lmms_eval.tasks import TaskManager

    if getattr(TaskManager.initialize_tasks, "_audiomcq", False):
        return
    require_tested_lmms_eval()
    original = TaskManager.initialize_tasks

    def initialize_tasks(self: Any, include_path: Any = None, include_defaults: bool = True):
        index = original(self, include_path=include_path, include_defaults=include_defaults)
        for path in _ours(include_path):
            mine = original(self, include_path=path, include_defaults=False)
            replaced = sorted(n for n in mine if n in index and index[n] != mine[n])
            index.update(mine)
            if replaced:
                logger.info("audiomcq tasks from %s replace lmms-eval's: %s", path, replaced)
        return index

    initialize_tasks._audiomcq = True  # type: ignore[attr-defined]
    TaskManager.initialize_tasks = initialize_tasks
