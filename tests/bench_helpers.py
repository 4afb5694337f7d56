"""Helpers shared by the benchmark tests (not a test module)."""

from __future__ import annotations

from pathlib import Path

import pytest

#: The lm-eval task names fixed by DESIGN.md's contracts (one benchmark each).
CONTRACT_TASKS = (
    "mmau_test_mini",
    "mmau_test",
    "mmar",
    "mmsu",
    "dcase2026_task5_dev",
    "audiomcq",
    "audiomcq_synth",
)


def real_data_dir() -> Path:
    """../shared/data relative to the clone (CI), else /work/shared/data."""
    for cand in (
        Path(__file__).resolve().parents[2] / "shared" / "data",
        Path("/work/shared/data"),
    ):
        if (cand / "mmau-test-mini.json").is_file() and (cand / "MMAR-meta.jsonl").is_file():
            return cand
    pytest.skip("real metadata (../shared/data) is absent on this machine")
