"""The task index ``audiomcq eval`` builds: ours alone, or lm-eval's built-ins from a cache.

An lm-eval ``TaskManager`` parses every task YAML it may load when it is built: 14,683 files
for lm-eval 0.4.13's built-in tasks, tens of seconds before the first document loads.

- When every requested task is ours (a task, group or tag of :mod:`audiomcq_plugins.tasks`,
  by exact name), ``audiomcq eval`` builds the manager without lm-eval's built-ins
  (``include_defaults=False``): the same tasks load, nothing else is parsed.
- Otherwise the built-ins' index comes from ``<cache>/lm_eval_index/``, keyed by lm-eval's
  version and the name, size and modification time of every built-in YAML (a changed or added
  file builds a fresh one); a user's ``--include_path`` is indexed as usual, after it.

``AUDIOMCQ_EVAL_FULL_INDEX=1`` switches both off (lm-eval's own behaviour; for comparisons).
The cache replaces ``lm_eval.tasks.manager.TaskIndex`` and is installed by ``audiomcq eval``
on a tested lm-eval only (:mod:`.compat`).
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from audiomcq_plugins.cache import cache_dir, write_atomic
from audiomcq_plugins.flags import parse_bool

FULL_INDEX_ENV = "AUDIOMCQ_EVAL_FULL_INDEX"
log = logging.getLogger(__name__)


def full_index() -> bool:
    """Whether the old behaviour was asked for (``$AUDIOMCQ_EVAL_FULL_INDEX``)."""
    return parse_bool(os.environ.get(FULL_INDEX_ENV) or None, FULL_INDEX_ENV, False)


def our_names() -> set[str]:
    """Every task, group and tag name of ours."""
    from audiomcq_plugins.integrations.lm_eval.task_yaml import TAGS
    from audiomcq_plugins.tasks import groups, task_defs

    defs = task_defs()
    return {t.name for t in defs} | set(groups(defs)) | set(TAGS.values())


def only_ours(tasks: Sequence[str] | None) -> bool:
    """Whether ``tasks`` (names, comma-separated lists allowed) are all ours; ``None`` (not
    known: e.g. given in a ``--config`` file) and patterns or paths are not."""
    if not tasks:
        return False
    names = [n.strip() for t in tasks for n in str(t).split(",") if n.strip()]
    return bool(names) and set(names) <= our_names()


def requested_tasks(argv: Sequence[str]) -> list[str] | None:
    """The values of ``--tasks``/``-t`` in lm-eval arguments (``None`` when absent)."""
    out: list[str] | None = None
    args = list(argv)
    for i, arg in enumerate(args):
        if arg.startswith("--tasks="):
            out = [arg.split("=", 1)[1]]
        elif arg in ("--tasks", "-t"):
            out = []
            for value in args[i + 1 :]:
                if value.startswith("-"):
                    break
                out.append(value)
    return out


def _state(root: Path) -> str:
    """A digest of the YAMLs under ``root``: relative name, size, modification time."""
    h = hashlib.sha256()
    for path in sorted(root.glob("**/*.yaml")):
        st = path.stat()
        h.update(f"{path.relative_to(root).as_posix()}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:20]


def _cached_build(build: Any, root: Path, version: str) -> dict[str, Any]:
    """lm-eval's index of ``root``, from the cache when its key matches."""
    target = cache_dir("lm_eval_index") / f"{version}-{_state(root)}.pickle"
    if target.is_file():
        try:
            with target.open("rb") as fh:
                return pickle.load(fh)
        except Exception as exc:  # a damaged cache file is rebuilt, not fatal
            log.warning("rebuilding the lm-eval task index cache %s (%s)", target, exc)
    index = build([root])
    try:
        write_atomic(target, pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL))
    except OSError as exc:
        log.warning("could not cache the lm-eval task index in %s (%s)", target, exc)
    return index


def install_cache() -> None:
    """Make lm-eval's ``TaskManager`` read its built-in task index from the cache
    (idempotent); raises :class:`~.compat.UnsupportedLMEvalVersion` on an untested lm-eval."""
    import lm_eval.tasks
    from lm_eval.tasks import manager

    from audiomcq_plugins.integrations.lm_eval.compat import require_tested_lm_eval

    version = require_tested_lm_eval("`audiomcq eval` task index cache")
    original = manager.TaskIndex
    if getattr(original, "_audiomcq", False):
        return
    builtin = Path(lm_eval.tasks.__file__).parent

    class CachedTaskIndex(original):  # type: ignore[misc,valid-type]
        _audiomcq = True

        @staticmethod
        def build(paths: Iterable[Path], *, resolve_includes: bool = True) -> dict[str, Any]:
            paths = [Path(p) for p in paths]
            if not paths or paths[0] != builtin or not resolve_includes:
                return original.build(paths, resolve_includes=resolve_includes)
            index = dict(_cached_build(original.build, builtin, version))
            for name, entry in original.build(paths[1:]).items():
                if name in index:  # as lm-eval does between include paths
                    log.warning(
                        "Task '%s' from %s overrides existing task from %s",
                        name,
                        entry.yaml_path,
                        index[name].yaml_path,
                    )
                index[name] = entry
            return index

    manager.TaskIndex = CachedTaskIndex
