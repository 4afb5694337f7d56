"""lm-evaluation-harness integration: audio tasks (``task_configs/``), the ``audiomcq-hf``,
``audiomcq-vllm`` and ``audiomcq-api`` model classes, and the ``audiomcq eval`` wrapper.

Three ways in (lm-eval 0.4.13 reads no entry points):

- ``audiomcq eval --model audiomcq-hf --model_args pretrained=DIR --tasks mmau_test_mini``;
- ``lm_eval --include_path "$(audiomcq task-dir)"`` with our models registered by importing
  :mod:`audiomcq_plugins.integrations.lm_eval.models` (see docs/lm_eval.md);
- Python: ``register()`` then ``simple_evaluate(..., task_manager=task_manager())``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

TASK_DIR = Path(__file__).resolve().parents[2] / "task_configs"


def task_dir() -> Path:
    """A directory with the YAML of every registered task and group (pass it as
    ``--include_path``): the shipped ``task_configs/`` unless plugins add tasks."""
    from audiomcq_plugins.integrations.lm_eval.task_yaml import task_dir as registry_task_dir

    return registry_task_dir()


def register() -> None:
    """Register ``audiomcq-hf`` / ``audiomcq-vllm`` / ``audiomcq-api`` with lm-eval (idempotent)."""
    from audiomcq_plugins.integrations.lm_eval import models  # noqa: F401


def task_manager(
    include_path: list[str] | None = None, *, tasks: list[str] | None = None, **kwargs: Any
) -> Any:
    """An lm-eval ``TaskManager`` that knows our tasks (and ``include_path`` extras). Given the
    ``tasks`` to run, and all of them ours, it skips indexing lm-eval's built-in tasks."""
    from lm_eval.tasks import TaskManager

    if tasks is not None and "include_defaults" not in kwargs:
        from audiomcq_plugins.integrations.lm_eval.task_index import only_ours

        kwargs["include_defaults"] = not only_ours(tasks)
    return TaskManager(include_path=[str(task_dir()), *(include_path or [])], **kwargs)
