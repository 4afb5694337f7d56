"""Which optional extra (``pip install 'audiomcq-plugins[EXTRA]'``) provides which module, so a
command that needs a missing one says what to install instead of raising ModuleNotFoundError.

The extras themselves are defined in ``pyproject.toml`` (``[project.optional-dependencies]``);
``tests/test_extras.py`` checks this table against it. Nothing is imported here.
"""

from __future__ import annotations

import importlib.util

#: Extra -> the top-level modules it installs that our code imports.
EXTRA_MODULES: dict[str, tuple[str, ...]] = {
    "hf": ("torch", "transformers", "accelerate", "tokenizers"),
    "data": ("datasets", "pyarrow"),
    "lm-eval": ("lm_eval",),
    "lighteval": ("lighteval",),
    "trl": ("trl",),
    "plots": ("matplotlib",),
    "vllm": ("vllm",),
}

#: Extras that pull in others (``lm-eval`` = ``hf`` + ``data`` + lm-eval itself).
INCLUDES: dict[str, tuple[str, ...]] = {
    "lm-eval": ("hf", "data"),
    "lighteval": ("hf", "data"),
    "trl": ("hf", "data"),
}

#: The extra each built-in command needs (its whole feature set).
COMMAND_EXTRAS: dict[str, str] = {
    "eval": "lm-eval",
    "lighteval": "lighteval",
    "tiny-model": "hf",
    "train": "trl",
    "report": "plots",
}


def extra_for_module(module: str) -> str | None:
    """The extra that installs top-level ``module``, or None when no extra of ours does."""
    top = module.split(".")[0]
    return next((extra for extra, mods in EXTRA_MODULES.items() if top in mods), None)


def _covers(extra: str, other: str) -> bool:
    return extra == other or other in INCLUDES.get(extra, ())


def missing_module_message(module: str, command: str | None) -> str | None:
    """One line saying which extra provides ``module`` and the ``pip install`` command (the
    command's own extra when it includes the module's), or None for modules not ours to name."""
    extra = extra_for_module(module)
    if extra is None:
        return None
    wanted = COMMAND_EXTRAS.get(command or "")
    if wanted and _covers(wanted, extra):
        extra = wanted
    who = f"`audiomcq {command}`" if command else "this command"
    return (
        f"{who} needs the optional dependency {module.split('.')[0]!r} (extra {extra!r}), "
        f"which is not installed: pip install 'audiomcq-plugins[{extra}]'"
    )


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def installed_extras() -> tuple[list[str], list[str]]:
    """(installed, missing) extras, judged by whether their modules can be found."""
    found = {e for e, mods in EXTRA_MODULES.items() if all(map(_importable, mods))}
    installed = [e for e in EXTRA_MODULES if e in found and found.issuperset(INCLUDES.get(e, ()))]
    return installed, [e for e in EXTRA_MODULES if e not in installed]
