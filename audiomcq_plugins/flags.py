"""The one reader of settings (model arguments, recipe keys, environment variables): booleans
are ``1/true/yes/on`` and ``0/false/no/off`` in any case, and an argument a component does not
take is rejected by name with the closest one it does; anything else is an error naming the
setting, never a silent default."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
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


def reject_unknown(owner: str, given: Iterable[str], known: Iterable[str]) -> None:
    """Raise one error naming each argument of ``given`` that ``owner`` does not take, with
    the closest known one: a mistyped option is never dropped in favour of a default."""
    known = sorted(set(known))
    unknown = [name for name in given if name not in known]
    if not unknown:
        return
    hints = []
    for name in unknown:
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        hints.append(f"{name!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
    raise ValueError(
        f"{owner}: unknown argument{'s' if len(unknown) > 1 else ''} {', '.join(hints)}; "
        f"it takes: {', '.join(known)}"
    )


def keyword_parameters(cls: type) -> list[str]:
    """The named keyword parameters of ``cls``'s constructor (what a model takes as
    arguments; :func:`reject_unknown` checks a run's against them)."""
    import inspect

    params = inspect.signature(cls.__init__).parameters.values()
    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return [p.name for p in params if p.kind in kinds and p.name != "self"]
