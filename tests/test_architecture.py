"""The import rule of docs/architecture.md, read from the source with ``ast`` (nothing imported).

Layers: core -> backends (``models/``) -> harness adapters (``integrations/<harness>/``) -> CLI
-> workflows (``workflows/``).
A layer imports only from the layers before it; an adapter never imports another adapter; the
core and the backends import no harness.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "audiomcq_plugins"
HARNESSES = ("lm_eval", "lighteval", "lmms_eval", "trl", "vllm")
#: Entry points (the CLI layer) that live at the top of the package.
TOP_LEVEL_ENTRY_POINTS = ("__main__",)


def module_name(path: Path, package: Path = PACKAGE) -> str:
    parts = path.relative_to(package.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(module: str) -> str:
    parts = module.split(".")
    if len(parts) > 1 and parts[1] == "workflows":
        return "workflows"
    if len(parts) > 1 and parts[1] in ("cli", *TOP_LEVEL_ENTRY_POINTS):
        return "cli"
    if len(parts) > 2 and parts[1] == "integrations":
        return f"adapter:{parts[2]}"
    if len(parts) > 1 and parts[1] == "integrations":
        return "adapters"
    if len(parts) > 1 and parts[1] == "models":
        return "backend"
    return "core"


def imports(path: Path, root: Path = PACKAGE) -> set[str]:
    """Every module ``path`` imports, at the top or inside functions (relative ones resolved)."""
    package = module_name(path, root).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


MODULES = sorted(PACKAGE.rglob("*.py"))


def violations(path: Path, root: Path = PACKAGE) -> list[str]:
    own = layer(module_name(path, root))
    bad = []
    for name in sorted(imports(path, root)):
        top = name.split(".")[0]
        if top in HARNESSES and own in ("core", "backend"):
            if not (own == "backend" and path.name == "vllm.py" and top == "vllm"):
                bad.append(f"{name} (a harness, imported by the {own})")
        if top != "audiomcq_plugins" or name == "audiomcq_plugins":
            continue
        theirs = layer(name)
        if theirs == "workflows" and own != "workflows":
            bad.append(f"{name} (workflows are the top layer: only they import workflows)")
        elif own == "core" and theirs != "core":
            bad.append(f"{name} (the core imports only the core)")
        elif own == "backend" and theirs not in ("core", "backend"):
            bad.append(f"{name} (a backend imports only the core and backends)")
        elif own.startswith("adapter") and (
            theirs == "cli" or (theirs.startswith("adapter:") and theirs != own)
        ):
            bad.append(f"{name} (an adapter imports no other adapter and no CLI)")
    return bad


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_imports_follow_the_layers(path):
    assert violations(path) == [], f"{module_name(path)} breaks docs/architecture.md"


def test_the_rule_catches_what_it_forbids(tmp_path):
    """The checker itself: a core module importing a harness or an adapter, and an adapter
    importing another adapter, are reported (fake modules under a temporary package)."""
    pkg = tmp_path / "audiomcq_plugins"
    (pkg / "integrations" / "lm_eval").mkdir(parents=True)
    (pkg / "integrations" / "trl").mkdir(parents=True)
    core = pkg / "scorer.py"
    core.write_text("import trl\nfrom .integrations.lm_eval import models\n")
    adapter = pkg / "integrations" / "lm_eval" / "x.py"
    adapter.write_text("def f():\n    from audiomcq_plugins.integrations.trl import grpo\n")
    fine = pkg / "integrations" / "trl" / "y.py"
    fine.write_text("from . import compat\nfrom audiomcq_plugins.models import hf\nimport trl\n")
    assert [v.split(" ")[0] for v in violations(core, pkg)] == [
        "audiomcq_plugins.integrations.lm_eval",
        "audiomcq_plugins.integrations.lm_eval.models",
        "trl",
    ]
    assert [v.split(" ")[0] for v in violations(adapter, pkg)] == [
        "audiomcq_plugins.integrations.trl",
        "audiomcq_plugins.integrations.trl.grpo",
    ]
    assert violations(fine, pkg) == []
