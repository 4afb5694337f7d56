"""The extras table (audiomcq_plugins.extras) agrees with pyproject.toml's optional dependencies."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from audiomcq_plugins.extras import COMMAND_EXTRAS, EXTRA_MODULES, INCLUDES

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
#: distributions whose import name differs from their name on PyPI
IMPORT_NAMES = {"lm-eval": "lm_eval"}


def _extras() -> dict[str, list[str]]:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    return tomllib.loads(PYPROJECT.read_text())["project"]["optional-dependencies"]


def test_every_module_is_a_requirement_of_its_extra():
    extras = _extras()
    for extra, modules in EXTRA_MODULES.items():
        dists = [re.split(r"[<>=!\[; ]", req, maxsplit=1)[0] for req in extras[extra]]
        names = {IMPORT_NAMES.get(d, d) for d in dists}
        assert set(modules) <= names, (extra, modules, names)


def test_includes_and_command_extras_match_pyproject():
    extras = _extras()
    for extra, included in INCLUDES.items():
        assert f"audiomcq-plugins[{','.join(included)}]" in extras[extra]
    assert set(COMMAND_EXTRAS.values()) <= set(extras)
