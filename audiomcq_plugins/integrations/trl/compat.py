"""The TRL versions the audio trainers were tested against, and the guard that enforces them.

The audio support overrides private methods of TRL's ``GRPOTrainer`` (``_tokenize_prompts``,
``_get_per_token_logps_and_entropies``, ...) whose signatures change between releases, so it
refuses to run on a TRL it was not tested with rather than silently training without audio.
"""

from __future__ import annotations

#: TRL releases the audio trainers were tested with (tests/test_trl_grpo*.py, test_trl_sft*.py).
TESTED_TRL_VERSIONS: tuple[str, ...] = ("1.16.0",)


class UnsupportedTRLVersion(RuntimeError):
    """The installed TRL is not one the audio trainers were tested with."""


def installed_trl_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("trl")
    except PackageNotFoundError:
        raise UnsupportedTRLVersion(
            "TRL is not installed; install the tested version with "
            "`pip install 'audiomcq-plugins[trl]'` (trl==" + TESTED_TRL_VERSIONS[-1] + ")"
        ) from None


def require_tested_trl() -> str:
    """Return the installed TRL version, or raise :class:`UnsupportedTRLVersion`."""
    found = installed_trl_version()
    if found not in TESTED_TRL_VERSIONS:
        raise UnsupportedTRLVersion(
            f"audiomcq-plugins' audio support for TRL was tested with trl "
            f"{', '.join(TESTED_TRL_VERSIONS)}, but trl {found} is installed. It overrides TRL "
            "internals that change between releases, so it refuses to run rather than train "
            f"without audio. Install a tested version: pip install 'trl=={TESTED_TRL_VERSIONS[-1]}'"
        )
    return found
