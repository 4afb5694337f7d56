"""Install audio support into TRL's own ``GRPOTrainer`` (for the literal ``trl grpo`` CLI).

``trl grpo`` runs no user code except the reward functions it imports by dotted path, and its
script binds ``GRPOTrainer`` before importing them, so replacing ``trl.GRPOTrainer`` would be too
late. Instead :func:`install` gives ``GRPOTrainer`` a ``__new__`` that constructs
:class:`~audiomcq_plugins.integrations.trl.grpo.AudioGRPOTrainer` (a subclass: the same
:class:`~audiomcq_plugins.integrations.trl.grpo_mixin.AudioGRPOMixin` our entry point uses).
Nothing else in TRL changes; subclasses of ``GRPOTrainer`` are constructed as themselves. The
audio settings come from the recipe's ``env:`` block (:mod:`.settings`).

Guarded: only on the TRL versions in :data:`.compat.TESTED_TRL_VERSIONS`; any other raises
:class:`~.compat.UnsupportedTRLVersion` with what to install.
"""

from __future__ import annotations

from typing import Any

_MARK = "_audiomcq_audio_patch"


def install() -> None:
    """Make ``GRPOTrainer(...)`` build an ``AudioGRPOTrainer``. Idempotent."""
    from audiomcq_plugins.integrations.trl.compat import require_tested_trl

    require_tested_trl()
    from trl.trainer.grpo_trainer import GRPOTrainer

    if GRPOTrainer.__dict__.get(_MARK):
        return
    from audiomcq_plugins.integrations.trl.grpo import AudioGRPOTrainer

    def __new__(cls: type, *args: Any, **kwargs: Any) -> Any:  # noqa: N807
        return object.__new__(AudioGRPOTrainer if cls is GRPOTrainer else cls)

    GRPOTrainer.__new__ = staticmethod(__new__)
    setattr(GRPOTrainer, _MARK, True)


def uninstall() -> None:
    """Undo :func:`install` (tests)."""
    from trl.trainer.grpo_trainer import GRPOTrainer

    if GRPOTrainer.__dict__.get(_MARK):
        del GRPOTrainer.__new__
        delattr(GRPOTrainer, _MARK)


def installed() -> bool:
    from trl.trainer.grpo_trainer import GRPOTrainer

    return bool(GRPOTrainer.__dict__.get(_MARK))
