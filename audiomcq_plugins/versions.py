"""Guards for code that patches or overrides a harness's internals: refuse, with what to install,
on a release it was not tested with, rather than misbehave silently.

Each adapter keeps its own tested versions (``integrations/trl/compat.py``,
``integrations/lm_eval/compat.py``) and calls :func:`require_tested` where its patches are
installed. No harness is imported here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Patch:
    """One place our code reaches into another project's internals: a row of a ``PATCHES``
    inventory (each adapter's ``compat.py``; ``models/compat.py`` for transformers).

    ``site`` is ``"<module under audiomcq_plugins/>: <object>.<attribute>"``; ``kind`` is
    ``replaces`` (a class or module attribute swapped for ours), ``wraps`` (an instance's
    method or part wrapped, per object), ``overrides`` (a private method overridden in a
    subclass) or ``calls`` (a private member read or called); ``when`` says when it happens and
    ``guard`` names the check that refuses an untested version first.
    ``tests/test_patch_inventory.py`` keeps the tables and the code in step."""

    site: str
    kind: str
    why: str
    when: str
    guard: str


class UntestedVersionError(RuntimeError):
    """The installed harness is missing or is not a release our patches were tested with."""


def installed_version(dist: str, tested: Sequence[str], extra: str, error: type) -> str:
    """The installed version of distribution ``dist``; ``error`` (an
    :class:`UntestedVersionError` subclass) saying what to install when it is missing."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        raise error(
            f"{dist} is not installed; install the tested version with "
            f"`pip install 'audiomcq-plugins[{extra}]'` ({dist}=={tested[-1]})"
        ) from None


def require_tested(
    dist: str, found: str, tested: Sequence[str], *, what: str, why: str, error: type
) -> str:
    """Return ``found`` when it is one of ``tested``, else raise ``error`` naming ``what`` was
    tested, both versions, ``why`` it refuses, and the install command."""
    if found not in tested:
        raise error(
            f"audiomcq-plugins' {what} was tested with {dist} {', '.join(tested)}, but {dist} "
            f"{found} is installed. {why} Install a tested version: "
            f"pip install '{dist}=={tested[-1]}'"
        )
    return found


def patch_table(patches: Sequence[Patch]) -> str:
    """The inventory as the Markdown table docs/architecture.md holds between its
    ``patches:begin`` / ``patches:end`` markers (``tests/test_patch_inventory.py`` keeps the
    two equal and prints the table when they differ)."""
    rows = [
        "| where: object.attribute | kind | why | when | guard |",
        "| --- | --- | --- | --- | --- |",
    ]
    for p in patches:
        cells = (f"`{p.site}`", p.kind, p.why, p.when, f"`{p.guard}`")
        rows.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(rows) + "\n"
