"""Every place our code assigns to another project's attributes is in a patch inventory
(``PATCHES`` of an adapter's ``compat.py``, or of ``models/compat.py`` for transformers), and
every row of the inventories points at such a place: a new patch cannot go unlisted, and a
removed one cannot stay listed. docs/architecture.md sends readers to these tables."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "audiomcq_plugins"
OURS = ("audiomcq_plugins", "tests", "__future__")
#: Attributes that are third-party methods or parts wherever they are assigned (an instance's
#: ``forward``, a processor's ``feature_extractor``), whatever the object's name.
WRAPPED_ANYWHERE = frozenset(
    {
        "forward",
        "feature_extractor",
        "get_audio_features",
        "__new__",
        "resps",
        "rope_deltas",
        "generate",
    }
)


def _imported_names(tree: ast.AST) -> set[str]:
    """Names bound by importing a third-party module or its members, anywhere in the module."""
    names = set()
    stdlib = sys.stdlib_module_names
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                root = alias.name.split(".")[0]
                if root not in OURS and root not in stdlib:
                    names.add((alias.asname or alias.name).split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            root = node.module.split(".")[0]
            if root not in OURS and root not in stdlib:
                names.update(alias.asname or alias.name for alias in node.names)
    return names


def _root(node: ast.expr) -> str | None:
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _assigned(tree: ast.AST):
    """(target object, attribute name) of every attribute assignment and ``setattr`` call."""
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        for target in targets:
            if isinstance(target, ast.Attribute):
                yield target.value, target.attr
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "setattr"
            and len(node.args) == 3
        ):
            name = node.args[1]
            yield node.args[0], name.value if isinstance(name, ast.Constant) else ast.unparse(name)


def patch_sites() -> set[str]:
    """``"<module path>: <object>.<attribute>"`` for every assignment to a third-party
    object's attribute in the package."""
    sites = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text())
        imported = _imported_names(tree)
        for obj, attr in _assigned(tree):
            if isinstance(obj, ast.Name) and obj.id in ("self", "cls"):
                continue  # our own objects' attributes
            if _root(obj) in imported or attr in WRAPPED_ANYWHERE:
                rel = path.relative_to(PACKAGE).as_posix()
                sites.add(f"{rel}: {ast.unparse(obj)}.{attr}")
    return sites


def inventory():
    from audiomcq_plugins.integrations.lighteval.compat import PATCHES as LIGHTEVAL
    from audiomcq_plugins.integrations.lm_eval.compat import PATCHES as LM_EVAL
    from audiomcq_plugins.integrations.lmms_eval.compat import PATCHES as LMMS_EVAL
    from audiomcq_plugins.integrations.trl.compat import PATCHES as TRL
    from audiomcq_plugins.models.compat import PATCHES as TRANSFORMERS

    return [*LM_EVAL, *LIGHTEVAL, *LMMS_EVAL, *TRL, *TRANSFORMERS]


def test_every_assignment_to_another_projects_attribute_is_in_an_inventory():
    listed = {p.site for p in inventory() if p.kind in ("replaces", "wraps")}
    found = patch_sites()
    assert found - listed == set(), "patches missing from an inventory (a compat.py PATCHES)"
    assert listed - found == set(), "inventory rows that no code does any more"


def test_every_inventory_row_names_real_code_and_a_guard():
    kinds = {"replaces", "wraps", "overrides", "calls"}
    for patch in inventory():
        module, _, target = patch.site.partition(": ")
        text = (PACKAGE / module).read_text()
        member = target.split(".")[-1]
        assert member in text, patch.site
        if patch.kind == "overrides":
            assert f"def {member}(" in text, patch.site
        assert patch.kind in kinds and patch.why and patch.when and patch.guard, patch


def test_tested_transformers_range_is_the_extras_range():
    import tomllib

    from audiomcq_plugins.models.compat import TESTED_TRANSFORMERS

    project = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text())["project"]
    (pin,) = [d for d in project["optional-dependencies"]["hf"] if d.startswith("transformers")]
    assert pin == "transformers" + ",".join(TESTED_TRANSFORMERS)


def test_an_untested_transformers_is_refused_by_name(monkeypatch):
    import importlib.metadata

    from audiomcq_plugins.models import compat

    monkeypatch.setattr(importlib.metadata, "version", lambda dist: "6.1.0")
    try:
        compat.require_tested_transformers("the audio encoder prefetch")
    except compat.UnsupportedTransformersVersion as exc:
        message = str(exc)
    else:
        raise AssertionError("transformers 6.1.0 was accepted")
    assert "audio encoder prefetch" in message and "6.1.0" in message
    assert "pip install 'transformers" in message


def test_architecture_md_shows_every_inventory_row():
    """docs/architecture.md holds the inventories as one table (generated: paste the table
    this test prints when it fails between the markers)."""
    from audiomcq_plugins.versions import patch_table

    doc = (PACKAGE.parent / "docs" / "architecture.md").read_text()
    begin, end = "<!-- patches:begin -->\n", "<!-- patches:end -->"
    shown = doc[doc.index(begin) + len(begin) : doc.index(end)]
    expected = patch_table(inventory())
    assert shown == expected, (
        "docs/architecture.md's patch table is stale; it should be:\n" + expected
    )
