"""Helpers shared by the benchmark tests (not a test module)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

#: The lm-eval task names fixed by the project's contracts (one benchmark each; see the task
#: table in docs/benchmarks.md).
CONTRACT_TASKS = (
    "mmau_test_mini",
    "mmau_test",
    "mmar",
    "mmsu",
    "dcase2026_task5_dev",
    "audiomcq",
    "audiomcq_synth",
    "air_bench_foundation",
    "mmau_pro",
)


def _checkout_roots() -> list[Path]:
    """This clone's root and, in a git worktree, the root of the main checkout it belongs to."""
    roots = [REPO]
    git = REPO / ".git"
    if git.is_file():  # a worktree: ".git" reads "gitdir: <main>/.git/worktrees/<name>"
        gitdir = Path(git.read_text().split(":", 1)[1].strip())
        common = gitdir / "commondir"
        if common.is_file():
            roots.append((gitdir / common.read_text().strip()).resolve().parent)
    return roots


def real_data_dir() -> Path:
    """The real metadata in ``shared/data`` beside the clone (``../shared/data``), or inside it
    (``shared/data``); for a git worktree, also beside its main checkout."""
    candidates = [c for root in _checkout_roots() for c in (root.parent, root)]
    for base in candidates:
        cand = base / "shared" / "data"
        if (cand / "mmau-test-mini.json").is_file() and (cand / "MMAR-meta.jsonl").is_file():
            return cand
    looked = ", ".join(str(base / "shared" / "data") for base in candidates)
    pytest.skip(f"real metadata (mmau-test-mini.json, MMAR-meta.jsonl) not found in {looked}")


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
