"""audiomcq-plugins: audio multiple-choice benchmarks, contribution-aware evaluation and
post-training for the tools people already use (lm-eval, lighteval, TRL).

Importing this package is light: no torch, no harness. Harness integrations live under
:mod:`audiomcq_plugins.integrations` and import their harness lazily.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from audiomcq_plugins.hookspecs import hookimpl

try:
    __version__ = version("audiomcq-plugins")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0+unknown"

from audiomcq_plugins.items import Item, Problem, ValidationError, load_items  # noqa: E402

__all__ = ["Item", "Problem", "ValidationError", "__version__", "hookimpl", "load_items"]
