"""Where audiomcq keeps what it can rebuild: ``$AUDIOMCQ_CACHE``, else
``$XDG_CACHE_HOME/audiomcq`` (``~/.cache/audiomcq``)."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir(*parts: str) -> Path:
    """The cache root, or a folder under it (not created)."""
    base = os.environ.get("AUDIOMCQ_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "audiomcq"
    )
    return Path(base).joinpath(*parts)
