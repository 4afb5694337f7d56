"""Docs that cannot drift from the one home of a fact: the task variants (``tasks.VARIANTS``)
and our lm-eval model names (pyproject's entry points) are all described in docs/lm_eval.md,
and no other page lists a partial set of variants as if it were all of them."""

from __future__ import annotations

import re
from pathlib import Path

import tomllib

from audiomcq_plugins.tasks import VARIANTS

ROOT = Path(__file__).resolve().parents[1]
HOME = ROOT / "docs" / "lm_eval.md"
#: Pages (and the hook spec) that speak of a benchmark's tasks.
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")),
         ROOT / "audiomcq_plugins" / "hookspecs.py"]  # fmt: skip


def test_the_home_describes_every_variant():
    text = HOME.read_text()
    for variant in VARIANTS:
        if variant.suffix:
            assert f"_{variant.suffix}`" in text, f"docs/lm_eval.md lacks _{variant.suffix}"


def test_the_home_describes_every_model_name():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = project["entry-points"]["lm_eval.models"]
    text = HOME.read_text()
    assert names and all(f"`{name}`" in text for name in names)


def partial_lists(text: str) -> list[str]:
    """Passages naming ``<name>_silent`` and ``<name>_loglik`` as a benchmark's tasks without
    pointing at the full list (docs/lm_eval.md, ``VARIANTS``) or naming the rest."""
    found = []
    for m in re.finditer(r"<name>_silent", text):
        window = text[max(0, m.start() - 150) : m.end() + 250]
        if "<name>_loglik" in window and not re.search(r"lm_eval\.md|VARIANTS|_acstrong", window):
            found.append(window)
    return found


def test_no_page_claims_a_partial_set_of_tasks():
    """'gets its <name>, <name>_silent and <name>_loglik tasks' was once true and drifted."""
    for page in PAGES:
        assert partial_lists(page.read_text()) == [], page
