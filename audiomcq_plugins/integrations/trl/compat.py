"""The TRL versions the audio trainers were tested against, and the guard that enforces them.

The audio support overrides private methods of TRL's ``GRPOTrainer`` (``_tokenize_prompts``,
``_get_per_token_logps_and_entropies``, ...) whose signatures change between releases, so it
refuses to run on a TRL it was not tested with rather than silently training without audio.
"""

from __future__ import annotations

from audiomcq_plugins.versions import UntestedVersionError, installed_version, require_tested

#: TRL releases the audio trainers were tested with (tests/test_trl_grpo*.py, test_trl_sft*.py).
TESTED_TRL_VERSIONS: tuple[str, ...] = ("1.16.0",)


class UnsupportedTRLVersion(UntestedVersionError):
    """The installed TRL is not one the audio trainers were tested with."""


def installed_trl_version() -> str:
    return installed_version("trl", TESTED_TRL_VERSIONS, "trl", UnsupportedTRLVersion)


def require_tested_trl() -> str:
    """Return the installed TRL version, or raise :class:`UnsupportedTRLVersion`."""
    return require_tested(
        "trl",
        installed_trl_version(),
        TESTED_TRL_VERSIONS,
        what="audio support for TRL",
        why="It overrides TRL internals that change between releases, so it refuses to run "
        "rather than train without audio.",
        error=UnsupportedTRLVersion,
    )
