"""What lighteval 0.13 needs to run our tasks, installed once by :func:`install`.

- A version guard: the tasks and the audio model are tested against :data:`SUPPORTED`; any
  other lighteval (or a ``huggingface_hub`` / ``xxhash`` that 0.13.0 breaks with) is an error
  naming the range, instead of a failure deep inside an evaluation. ``AUDIOMCQ_UNTESTED_OK=1``
  turns the error into a warning (for trying a new release).
- Offline registry: building lighteval's task registry imports every built-in task module, and
  one of them downloads a file at import time (no network: the whole run fails before any task
  is chosen). A built-in module that fails to import is skipped with a warning; its tasks are
  missing, everything else works.
- Our dataset loader: lighteval loads ``hf_repo`` with ``datasets.load_dataset``; tasks whose
  config is an :class:`~audiomcq_plugins.integrations.lighteval.tasks.AudioTaskConfig` load
  through the benchmark registry instead (same loaders and data-directory rules as lm-eval).
"""

from __future__ import annotations

import logging
import os
from importlib.metadata import PackageNotFoundError, version
from typing import Any

logger = logging.getLogger(__name__)

#: (distribution, lowest tested, first untested) -- half-open ranges.
SUPPORTED: tuple[tuple[str, str, str], ...] = (
    ("lighteval", "0.13.0", "0.13.1"),
    ("huggingface_hub", "0.30.2", "2"),  # 2.x removed an argument lighteval 0.13 passes
    ("xxhash", "0.0", "4"),  # 4.x breaks lighteval 0.13's details logger
)
_installed = False


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split("+")[0].split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


def check_versions() -> None:
    """Raise a clear error when an installed version is outside :data:`SUPPORTED`."""
    for dist, low, high in SUPPORTED:
        try:
            found = version(dist)
        except PackageNotFoundError:
            if dist == "lighteval":
                raise ImportError(
                    "the lighteval integration needs lighteval: "
                    "pip install 'audiomcq-plugins[lighteval]'"
                ) from None
            continue
        if not _version_tuple(low) <= _version_tuple(found) < _version_tuple(high):
            message = (
                f"audiomcq-plugins' lighteval integration supports {dist}>={low},<{high} "
                f"(tested with lighteval 0.13.0); found {dist} {found}. Install the tested "
                "versions with: pip install 'audiomcq-plugins[lighteval]' (or set "
                "AUDIOMCQ_UNTESTED_OK=1 to try anyway)"
            )
            if os.environ.get("AUDIOMCQ_UNTESTED_OK") == "1":
                logger.warning(message)
                continue
            raise RuntimeError(message)


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


def install() -> None:
    """Check versions and install the patches above (idempotent)."""
    global _installed
    if _installed:
        return
    check_versions()
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
