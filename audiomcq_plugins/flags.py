"""The one reader of boolean settings (model arguments, recipe keys, environment variables):
``1/true/yes/on`` and ``0/false/no/off`` in any case; anything else is an error naming the
setting, never a silent default."""

from __future__ import annotations

from typing import Any

TRUE = frozenset({"1", "true", "yes", "on"})
FALSE = frozenset({"0", "false", "no", "off"})


def parse_bool(value: Any, what: str, default: bool | None = None) -> bool:
    """``value`` as a bool; ``default`` when it is None (an error if there is no default)."""
    if value is None and default is not None:
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise ValueError(f"{what}={value!r}: expected true or false (or 1/0, yes/no, on/off)")
