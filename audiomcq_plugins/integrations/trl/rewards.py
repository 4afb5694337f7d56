"""Rewards for the literal ``trl grpo`` CLI; importing this module installs audio support.

Name them by dotted path in a recipe::

    reward_funcs:
      - audiomcq_plugins.integrations.trl.rewards.accuracy_reward
      - audiomcq_plugins.integrations.trl.rewards.format_reward

TRL imports the first one before it builds its trainer, and that import calls
:func:`audiomcq_plugins.integrations.trl.patch.install`, so the trainer it builds carries the
audio through tokenization, generation and every forward (see :mod:`.grpo_mixin`). The functions
are the pure rewards of :mod:`audiomcq_plugins.rewards`, re-exported unchanged. A mistyped name
(``...rewards.accuracyy_reward``) fails TRL's ``getattr`` with a did-you-mean over them.
"""

from __future__ import annotations

import difflib

from audiomcq_plugins.integrations.trl.patch import install
from audiomcq_plugins.rewards import (
    accuracy_reward,
    contribution_weights,
    format_reward,
    option_accuracy_reward,
    strict_format_reward,
    think_format_reward,
)

install()

__all__ = [
    "accuracy_reward",
    "contribution_weights",
    "format_reward",
    "option_accuracy_reward",
    "strict_format_reward",
    "think_format_reward",
]


def __getattr__(name: str) -> object:
    """TRL resolves a dotted reward with ``getattr``: name ours and the closest in the error."""
    if name.startswith("__"):
        raise AttributeError(name)
    rewards = [n for n in __all__ if n.endswith("_reward")]
    close = difflib.get_close_matches(name, rewards, n=2)
    hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    raise AttributeError(
        f"reward {name!r} is not in {__name__}.{hint} Its rewards: {', '.join(rewards)}"
    )
