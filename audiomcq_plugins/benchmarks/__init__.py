"""Benchmark specifications and loaders (one module per benchmark family).

``get_spec(name).load(source)`` gives a :class:`LoadedBenchmark` of canonical items; see
:mod:`~audiomcq_plugins.benchmarks.spec` for where sources are looked up,
:mod:`~audiomcq_plugins.benchmarks.synth` for the synthetic suite,
:mod:`~audiomcq_plugins.benchmarks.fixtures` for test fixtures in every official layout and
:mod:`~audiomcq_plugins.benchmarks.prepare` for ``audiomcq prepare``.
"""

from audiomcq_plugins.benchmarks.records import MissingColumnError, SourceLayout
from audiomcq_plugins.benchmarks.spec import (
    DEFAULT_GENERATION,
    ENV_VAR,
    BenchmarkSpec,
    DataNotFoundError,
    LoadedBenchmark,
    get_spec,
    load_benchmark,
)

__all__ = [
    "DEFAULT_GENERATION",
    "ENV_VAR",
    "BenchmarkSpec",
    "DataNotFoundError",
    "LoadedBenchmark",
    "MissingColumnError",
    "SourceLayout",
    "get_spec",
    "load_benchmark",
]
