"""What lighteval 0.13 needs to run our tasks, installed once by :func:`install`.

- A version guard: the tasks and the audio model are tested with the lighteval releases in
  :data:`TESTED_LIGHTEVAL_VERSIONS`, and lighteval 0.13.0 breaks with ``huggingface_hub>=2``
  and ``xxhash>=4`` (:data:`DEPENDENCY_RANGES`); anything else is an error naming what was
  tested and what to install, instead of a failure deep inside an evaluation.
- Offline registry: building lighteval's task registry imports every built-in task module, and
  one of them downloads a file at import time (no network: the whole run fails before any task
  is chosen). A built-in module that fails to import is skipped with a warning; its tasks are
  missing, everything else works.
- Autograd left alone: importing lighteval's transformers model (which its pipeline does)
  switches autograd off for the whole process (``torch.set_grad_enabled(False)`` at module
  level), silently breaking any training in the same process; it is imported here with the
  grad mode restored afterwards.
- Our dataset loader: lighteval loads ``hf_repo`` with ``datasets.load_dataset``; tasks whose
  config is an :class:`~audiomcq_plugins.integrations.lighteval.tasks.AudioTaskConfig` load
  through the benchmark registry instead (same loaders and data-directory rules as lm-eval).
"""

from __future__ import annotations

import logging
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from audiomcq_plugins.versions import (
    Patch,
    UntestedVersionError,
    installed_version,
    require_tested,
)

logger = logging.getLogger(__name__)

#: lighteval releases the integration was tested with (tests/test_lighteval.py).
TESTED_LIGHTEVAL_VERSIONS: tuple[str, ...] = ("0.13.0",)
#: (distribution, lowest, first refused): what lighteval 0.13 works with.
DEPENDENCY_RANGES: tuple[tuple[str, str, str], ...] = (
    ("huggingface_hub", "0.30.2", "2"),  # 2.x removed an argument lighteval 0.13 passes
    ("xxhash", "0", "4"),  # 4.x breaks lighteval 0.13's details logger
)
_installed = False

_GUARD = "integrations.lighteval.compat.check_versions"
#: Every place we reach into lighteval internals (the rule: docs/architecture.md).
PATCHES: tuple[Patch, ...] = (
    Patch(
        "integrations/lighteval/compat.py: Registry._load_from_files",
        "replaces",
        "a built-in task module that fails to import (one downloads at import) is skipped",
        "by install(): when TASKS_TABLE is read, our model is built or `audiomcq lighteval` runs",
        _GUARD,
    ),
    Patch(
        "integrations/lighteval/compat.py: LightevalTask.download_dataset_worker",
        "replaces",
        "our tasks load through the benchmark registry, not datasets.load_dataset(hf_repo)",
        "by install()",
        _GUARD,
    ),
    Patch(
        "integrations/lighteval/cli.py: Registry.create_custom_tasks_module",
        "replaces",
        "a user's --custom-tasks module is merged with ours instead of replacing it",
        "by `audiomcq lighteval` when the user gives --custom-tasks",
        _GUARD,
    ),
)


class UnsupportedLightevalVersion(UntestedVersionError):
    """The installed lighteval (or one of its dependencies) is not one we tested with."""


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split("+")[0].split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


def check_versions() -> str:
    """The installed lighteval version, or :class:`UnsupportedLightevalVersion` saying what
    was tested and what to install."""
    found = require_tested(
        "lighteval",
        installed_version(
            "lighteval", TESTED_LIGHTEVAL_VERSIONS, "lighteval", UnsupportedLightevalVersion
        ),
        TESTED_LIGHTEVAL_VERSIONS,
        what="lighteval integration",
        why="It patches lighteval internals that change between releases.",
        error=UnsupportedLightevalVersion,
    )
    for dist, low, high in DEPENDENCY_RANGES:
        try:
            have = version(dist)
        except PackageNotFoundError:
            continue
        if not _version_tuple(low) <= _version_tuple(have) < _version_tuple(high):
            raise UnsupportedLightevalVersion(
                f"lighteval {found} needs {dist}>={low},<{high}, but {dist} {have} is "
                "installed. Install the tested set: pip install 'audiomcq-plugins[lighteval]'"
            )
    return found


def _tolerant_load_from_files(original: Any) -> Any:
    def load(files: list[Any], module_prefix: str) -> dict[str, Any]:
        configs: dict[str, Any] = {}
        for path in files:
            try:
                configs.update(original([path], module_prefix))
            except Exception as exc:  # noqa: BLE001 - any import-time failure of a built-in
                logger.warning(
                    "lighteval built-in task module %s.%s skipped (%s: %s); its tasks are "
                    "unavailable in this run",
                    module_prefix,
                    path.stem,
                    type(exc).__name__,
                    exc,
                )
        return configs

    load._audiomcq = True  # type: ignore[attr-defined]
    return load


def _dataset_worker(original: Any) -> Any:
    def worker(task: Any) -> Any:
        from audiomcq_plugins.integrations.lighteval.tasks import AudioTaskConfig, load_dataset

        if isinstance(task.config, AudioTaskConfig):
            return load_dataset(task.config)
        return original(task)

    worker._audiomcq = True  # type: ignore[attr-defined]
    return worker


#: lighteval modules that change global state when imported.
GRAD_MODE_IMPORTS = ("lighteval.models.transformers.transformers_model",)


def import_keeping_grad_mode() -> None:
    """Import :data:`GRAD_MODE_IMPORTS` and restore the grad mode they change."""
    import importlib

    import torch

    enabled = torch.is_grad_enabled()
    try:
        for name in GRAD_MODE_IMPORTS:
            importlib.import_module(name)
    finally:
        torch.set_grad_enabled(enabled)


def install() -> None:
    """Check versions and install the patches above (idempotent)."""
    global _installed
    if _installed:
        return
    check_versions()
    import_keeping_grad_mode()
    from lighteval.tasks.lighteval_task import LightevalTask
    from lighteval.tasks.registry import Registry

    if not getattr(Registry._load_from_files, "_audiomcq", False):
        Registry._load_from_files = staticmethod(
            _tolerant_load_from_files(Registry._load_from_files)
        )
    if not getattr(LightevalTask.download_dataset_worker, "_audiomcq", False):
        LightevalTask.download_dataset_worker = staticmethod(
            _dataset_worker(LightevalTask.download_dataset_worker)
        )
    _installed = True
