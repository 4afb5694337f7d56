"""Scoring: answer extraction, matchers (official and strict), aggregation, prediction files.

- :mod:`~audiomcq_plugins.scoring.tags`: every ``<answer>`` / ``<think>`` tag rule (scorers and
  rewards share it).
- :mod:`~audiomcq_plugins.scoring.extract`: from free text to an answer span / one option.
- :mod:`~audiomcq_plugins.scoring.matchers`: ``scorer(prediction, choices, answer) -> Verdict``.
- :mod:`~audiomcq_plugins.scoring.embedding`: the nearest-choice matcher of MMAU-Pro
  (``mmau-pro-official``) over a registered embedder.
- :mod:`~audiomcq_plugins.scoring.report`: totals and breakdowns.
- :mod:`~audiomcq_plugins.scoring.formats`: the official scripts' input formats, used by
  ``audiomcq score``.

See ``docs/scoring.md`` for every rule.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from audiomcq_plugins import hookimpl
from audiomcq_plugins.scoring.embedding import EMBEDDERS, EmbeddingMatch
from audiomcq_plugins.scoring.extract import resolve
from audiomcq_plugins.scoring.formats import FORMATS, InputError, score_file, score_records
from audiomcq_plugins.scoring.matchers import (
    SCORERS,
    Verdict,
    airbench_official,
    mmau_official,
    mmsu_official,
    r1aqa_official,
    strict,
    string_match,
)
from audiomcq_plugins.scoring.report import Report, aggregate, format_table

__all__ = [
    "FORMATS",
    "SCORERS",
    "InputError",
    "Report",
    "Verdict",
    "aggregate",
    "airbench_official",
    "format_table",
    "mmau_official",
    "mmsu_official",
    "r1aqa_official",
    "resolve",
    "score_file",
    "score_records",
    "strict",
    "string_match",
]


@hookimpl
def register_scorers(register: Callable[[str, Any], None]) -> None:
    for name, scorer in SCORERS.items():
        register(name, scorer)
    register("mmau-pro-official", EmbeddingMatch())


@hookimpl
def register_embedders(register: Callable[[str, Any], None]) -> None:
    for name, embed in EMBEDDERS.items():
        register(name, embed)
