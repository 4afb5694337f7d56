"""The lm-eval versions our patches were tested against, and the guard that enforces them.

Two patches reach into lm-eval internals: the audio-safe cache key replaces
``lm_eval.api.model._multimodal_cache_default`` (:mod:`.safety`) and ``audiomcq eval`` wraps
``TaskManager.__init__`` to add our task directory (:mod:`.cli`). Both are installed when our
model or CLI is used, and refuse to install on an lm-eval they were not tested with.
"""

from __future__ import annotations

from audiomcq_plugins.versions import UntestedVersionError, installed_version, require_tested

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
