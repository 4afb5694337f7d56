"""Built-in benchmarks, registered through the same hook a third-party plugin uses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from audiomcq_plugins import hookimpl
from audiomcq_plugins.benchmarks import (
    air_bench,
    audiomcq,
    dcase,
    mmar,
    mmau,
    mmau_pro,
    mmsu,
    synth,
)

BUILTIN_SPECS = (
    *mmau.SPECS,
    *mmar.SPECS,
    *mmsu.SPECS,
    *audiomcq.SPECS,
    *dcase.SPECS,
    *air_bench.SPECS,
    *mmau_pro.SPECS,
    *synth.SPECS,
)


@hookimpl
def register_benchmarks(register: Callable[[str, Any], None]) -> None:
    for spec in BUILTIN_SPECS:
        register(spec.name, spec)
