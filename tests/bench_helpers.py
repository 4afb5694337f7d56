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


#: The sample plugin's benchmark, item by item: (key, habitat, options, answer).
BIRDS = [
    ("b1", "forest", ["owl", "wren"], "wren"),
    ("b2", "wetland", ["heron", "crane", "stork"], "heron"),
]


def write_birds(root: Path) -> Path:
    """A copy of the sample plugin's benchmark in its own layout (birds.jsonl + clips/)."""
    import json

    import numpy as np

    from audiomcq_plugins.audio import write_audio

    rng = np.random.default_rng(0)
    (root / "clips").mkdir(parents=True)
    lines = []
    for key, habitat, opts, gold in BIRDS:
        write_audio(root / f"clips/{key}.wav", rng.uniform(-0.5, 0.5, 8000).astype(np.float32))
        rec = {"key": key, "clip": f"clips/{key}.wav", "q": "Which bird sings?"}
        lines.append(json.dumps({**rec, "opts": opts, "gold": gold, "habitat": habitat}))
    (root / "birds.jsonl").write_text("\n".join(lines) + "\n")
    return root
