"""The plugin manager: built-ins plus every plugin in the ``audiomcq`` entry-point group.

Registries are built lazily from the ``register_*`` hooks and cached; :func:`reset` rebuilds
them (tests, or after registering a plugin at run time).
"""

from __future__ import annotations

import difflib
import importlib
from dataclasses import dataclass, field
from typing import Any

import pluggy

from audiomcq_plugins import hookspecs

#: Built-in plugin modules, registered exactly like third-party ones. Each must stay cheap to
#: import (no torch, no harness) so that ``import audiomcq_plugins`` stays light.
BUILTIN_PLUGINS: tuple[str, ...] = (
    "audiomcq_plugins.audio",
    "audiomcq_plugins.prompts",
    "audiomcq_plugins.scoring",
    "audiomcq_plugins.benchmarks.builtin",
    "audiomcq_plugins.rewards",
    "audiomcq_plugins.samplers",
    "audiomcq_plugins.models.embedders",
)

KINDS = (
    "benchmarks",
    "prompt_formats",
    "scorers",
    "embedders",
    "rewards",
    "samplers",
    "commands",
)


class RegistryError(Exception):
    """Base class for registry errors."""


class DuplicateNameError(RegistryError):
    """A name was registered twice."""


class UnknownNameError(RegistryError, KeyError):
    """A lookup named nothing that is registered."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0])


@dataclass
class Entry:
    name: str
    value: Any
    plugin: str


@dataclass
class Registry:
    kind: str
    entries: dict[str, Entry] = field(default_factory=dict)

    def add(self, name: str, value: Any, plugin: str) -> None:
        if not isinstance(name, str) or not name:
            raise RegistryError(
                f"plugin {plugin!r} registered a {self.kind[:-1]} with an invalid "
                f"name {name!r}: names must be non-empty strings"
            )
        if self.kind == "benchmarks" and getattr(value, "name", name) != name:
            raise RegistryError(
                f"plugin {plugin!r} registered benchmark {name!r} with a spec named "
                f"{value.name!r}; call register(spec.name, spec)"
            )
        if name in self.entries:
            first = self.entries[name].plugin
            raise DuplicateNameError(
                f"{self.kind[:-1]} {name!r} is registered twice: by plugin {first!r} and by "
                f"plugin {plugin!r}; uninstall or rename one of them"
            )
        self.entries[name] = Entry(name, value, plugin)

    def get(self, name: str) -> Any:
        try:
            return self.entries[name].value
        except KeyError:
            known = sorted(self.entries)
            close = difflib.get_close_matches(name, known, n=3)
            hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
            raise UnknownNameError(
                f"unknown {self.kind[:-1]} {name!r}.{hint} Known: {', '.join(known) or 'none'}"
            ) from None

    def names(self) -> list[str]:
        return sorted(self.entries)

    def __contains__(self, name: object) -> bool:
        return name in self.entries


_pm: pluggy.PluginManager | None = None
_registries: dict[str, Registry] = {}


def get_plugin_manager() -> pluggy.PluginManager:
    """The process-wide plugin manager (built-ins and entry points loaded once)."""
    global _pm
    if _pm is None:
        pm = pluggy.PluginManager("audiomcq")
        pm.add_hookspecs(hookspecs)
        for modname in BUILTIN_PLUGINS:
            pm.register(importlib.import_module(modname), name=modname)
        pm.load_setuptools_entrypoints("audiomcq")
        _pm = pm
    return _pm


def register_plugin(plugin: Any, name: str | None = None) -> None:
    """Register a plugin object at run time (tests, notebooks) and rebuild the registries."""
    try:
        hash(plugin)
    except TypeError:
        raise RegistryError(
            f"plugin {name or plugin!r} is not hashable; register a module, a class or an "
            "instance of a class that does not define __eq__"
        ) from None
    get_plugin_manager().register(plugin, name=name)
    _registries.clear()


def unregister_plugin(name: str) -> None:
    get_plugin_manager().unregister(name=name)
    _registries.clear()


def reset() -> None:
    """Forget the plugin manager and registries (they are rebuilt on next use)."""
    global _pm
    _pm = None
    _registries.clear()


def registry(kind: str) -> Registry:
    """The registry of one kind ("benchmarks", "scorers", ...), built from the hooks."""
    if kind not in KINDS:
        raise UnknownNameError(f"unknown registry {kind!r}; known: {', '.join(KINDS)}")
    if kind not in _registries:
        _registries[kind] = _build(kind)
    return _registries[kind]


def _build(kind: str) -> Registry:
    """Call ``register_<kind>`` of every plugin, in registration order (built-ins first).

    Each plugin is called through its own subset of the hook, so every name it registers is
    attributed to it (for clash messages and ``audiomcq plugins``).
    """
    pm = get_plugin_manager()
    hook_name = f"register_{kind}"
    reg = Registry(kind)
    named = [(n, p) for n, p in pm.list_name_plugin() if p is not None]
    implementers = {impl.plugin_name for impl in getattr(pm.hook, hook_name).get_hookimpls()}
    for name, plugin in named:
        if name not in implementers:
            continue
        others = [p for _, p in named if p is not plugin]
        call = pm.subset_hook_caller(hook_name, remove_plugins=others)
        call(register=lambda n, v, _p=name: reg.add(n, v, _p))
    return reg


def get(kind: str, name: str) -> Any:
    """Look up one registered thing; unknown names list the known ones."""
    return registry(kind).get(name)


def describe() -> dict[str, dict[str, list[str]]]:
    """plugin name -> kind -> names it registers (for ``audiomcq plugins``)."""
    out: dict[str, dict[str, list[str]]] = {}
    pm = get_plugin_manager()
    for name, _ in pm.list_name_plugin():
        out[name] = {}
    for kind in KINDS:
        for entry in registry(kind).entries.values():
            out.setdefault(entry.plugin, {}).setdefault(kind, []).append(entry.name)
    for kinds in out.values():
        for names in kinds.values():
            names.sort()
    return out
