"""lighteval integration: our audio tasks (``TASKS_TABLE``), the audio model, the 0.13 fixes.

- Tasks: ``--custom-tasks audiomcq_plugins.integrations.lighteval`` (or this module passed to
  ``PipelineParameters(custom_tasks_directory=...)``) adds every registered benchmark's tasks
  under the lm-eval names (``mmau_test_mini|0``, ``mmar_silent|0``, ``mmsu_loglik|0``, ...).
  :func:`tasks_table` builds the same table with loader options (``data_dir=...``).
- Model: :class:`~.model.AudioMCQModel` (``Pipeline(model=...)``) or the file printed by
  ``audiomcq lighteval-model-file`` (``lighteval custom``).
- ``audiomcq lighteval ...`` / ``python -m audiomcq_plugins.integrations.lighteval ...``:
  lighteval's command line with the fixes of :mod:`.compat` installed first (lighteval 0.13's
  own CLI cannot build its task registry offline) and our tasks added.

Importing this module checks the lighteval version (and imports lighteval's transformers model
with the autograd mode kept, see :mod:`.compat`); the fixes of :mod:`.compat` are installed
when they are used: on reading ``TASKS_TABLE`` (which is how lighteval loads custom tasks), in
:func:`tasks_table`, when an :class:`~.model.AudioMCQModel` is built, and by the commands.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from audiomcq_plugins.integrations.lighteval import compat

compat.check_versions()  # before lighteval's modules are imported
compat.import_keeping_grad_mode()  # lighteval's pipeline would switch autograd off

from audiomcq_plugins.integrations.lighteval.tasks import (  # noqa: E402
    AudioTaskConfig,
    tasks_table,
)

MODEL_FILE = Path(__file__).resolve().parent / "model_file.py"

__all__ = ["MODEL_FILE", "TASKS_TABLE", "AudioTaskConfig", "tasks_table"]


def __getattr__(name: str) -> Any:
    """``TASKS_TABLE``: every registered task, built on first use (lighteval reads it)."""
    if name == "TASKS_TABLE":
        table = globals()["TASKS_TABLE"] = tasks_table()
        return table
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
