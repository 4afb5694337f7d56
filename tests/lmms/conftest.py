"""The lmms-eval tests run in lmms-eval's own environment (``make venv-lmms``; ``make test``
runs them there). Elsewhere they are not collected: the main run passes
``--ignore=tests/lmms``, and a plain ``pytest`` without lmms-eval says why below."""

from __future__ import annotations

import importlib.util

if importlib.util.find_spec("lmms_eval") is None:
    collect_ignore_glob = ["test_*.py"]
    print("tests/lmms: lmms-eval is not installed here; run them in .venv-lmms (make test)")
