"""The lm-eval versions our patches were tested against, the guard that enforces them, and the
inventory of every place we reach into lm-eval internals (:data:`PATCHES`). Each is installed
when our model or CLI is used, never on import, and refuses an lm-eval it was not tested with
(the standard errors warn and leave lm-eval's own instead).
"""

from __future__ import annotations

from audiomcq_plugins.versions import (
    Patch,
    UntestedVersionError,
    installed_version,
    require_tested,
)

_GUARD = "integrations.lm_eval.compat.require_tested_lm_eval"
PATCHES: tuple[Patch, ...] = (
    Patch(
        "integrations/lm_eval/cli.py: TaskManager.__init__",
        "replaces",
        "every TaskManager (CLI and simple_evaluate) also indexes our task directory",
        "by `audiomcq eval` and by building one of our models",
        _GUARD,
    ),
    Patch(
        "integrations/lm_eval/safety.py: lm_model._multimodal_cache_default",
        "replaces",
        "the request-cache key hashes waveforms instead of failing on (or storing) arrays",
        "by building one of our models",
        _GUARD,
    ),
    Patch(
        "integrations/lm_eval/stderr.py: evaluator_utils.stderr_for_metric",
        "replaces",
        "standard errors of our nan-skipping means (lm-eval has none for custom aggregations)",
        "by `audiomcq eval` and by building one of our models",
        _GUARD + " (on another version: a warning, lm-eval's behaviour kept)",
    ),
    Patch(
        "integrations/lm_eval/task_index.py: manager.TaskIndex",
        "replaces",
        "the task index is built once per task-directory state and cached (start-up time)",
        "by `audiomcq eval` when only our tasks are asked for",
        _GUARD,
    ),
    Patch(
        "integrations/lm_eval/distributed.py: inst.resps",
        "wraps",
        "a rank's padding copies of its last request are not logged as extra responses",
        "in data-parallel runs of audiomcq-hf",
        _GUARD,
    ),
    Patch(
        "integrations/lm_eval/distributed.py: HFLM._get_accelerate_args",
        "calls",
        "parallelize=True places a model over GPUs exactly as lm-eval's hf model does",
        "when audiomcq-hf is built with parallelize=True",
        _GUARD,
    ),
)

#: lm-eval releases the patches were tested with (tests/test_lm_eval_*.py).
TESTED_LM_EVAL_VERSIONS: tuple[str, ...] = ("0.4.13",)


class UnsupportedLMEvalVersion(UntestedVersionError):
    """The installed lm-eval is not one our patches were tested with."""


def installed_lm_eval_version() -> str:
    return installed_version(
        "lm-eval", TESTED_LM_EVAL_VERSIONS, "lm-eval", UnsupportedLMEvalVersion
    )


def require_tested_lm_eval(patch: str) -> str:
    """Return the installed lm-eval version, or raise :class:`UnsupportedLMEvalVersion` naming
    the ``patch`` that refused."""
    return require_tested(
        "lm-eval",
        installed_lm_eval_version(),
        TESTED_LM_EVAL_VERSIONS,
        what=patch,
        why="It patches lm-eval internals that change between releases, so it refuses to run "
        "rather than misbehave.",
        error=UnsupportedLMEvalVersion,
    )
