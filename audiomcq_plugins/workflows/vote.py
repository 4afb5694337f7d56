"""The demo's silent-audio vote on data without labels: hide the construction labels, ask the
three general models (:mod:`audiomcq_plugins.workflows.pretrain`) with ``audiomcq contribution
label``, and compare the voted labels with the hidden ones.

The voters: two audio LMs (``audiomcq-hf``: the Qwen2.5-Omni hearing base and the Qwen2-Audio
model) given silence (or noise) in place of each clip, and the text-only Qwen2 LM (lm-eval's own
``hf`` model through ``--text-models``) given no audio at all; rule 2/3.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

#: Fields of the suite's records that tell an item's construction (removed from the copy).
REVEALING = ("audio-contribution", "subtask", "structured_cot", "simple_cot")
BENCHMARK = "audiomcq_synth"
#: Generation settings of every probe (the voters answer in a few tokens).
PROBE_ARGS = ("--", "--gen_kwargs", "max_gen_toks=16")


def hide_labels(suite: Path, kept: Path) -> dict[str, str]:
    """Remove from a suite's metadata what tells weak from strong, keeping the labels in
    ``kept`` (outside the suite: only the comparison reads them); return them."""
    from audiomcq_plugins.benchmarks.synth import METADATA_FILE

    if kept.is_file():
        return json.loads(kept.read_text())
    records = json.loads((suite / METADATA_FILE).read_text())
    truth = {r["id"]: r["audio-contribution"] for r in records}
    kept.parent.mkdir(parents=True, exist_ok=True)
    kept.write_text(json.dumps(truth, indent=1))
    hidden = [{k: v for k, v in r.items() if k not in REVEALING} for r in records]
    (suite / METADATA_FILE).write_text(json.dumps(hidden, indent=1))
    return truth


def shipped_labels(suite: Path) -> dict[str, str]:
    from audiomcq_plugins.benchmarks.synth import METADATA_FILE

    return {
        r["id"]: r["audio-contribution"] for r in json.loads((suite / METADATA_FILE).read_text())
    }


def voter_arguments(voters: Mapping[str, Path], batch_size: int = 64) -> list[str]:
    """``--models ... --text-models ...`` for the general models, keyed by architecture."""
    from audiomcq_plugins.prompts import AUDIOMCQ_SYSTEM_PROMPT

    audio = [
        f"audiomcq-hf:pretrained={path},max_new_tokens=16,trust_remote_code=True,"
        f"system_prompt={AUDIOMCQ_SYSTEM_PROMPT},batch_size={batch_size},device=cpu"
        for arch, path in voters.items()
        if arch != "qwen2"
    ]
    text = [f"hf:pretrained={voters['qwen2']},batch_size={batch_size},device=cpu"]
    return ["--models", *audio, "--text-models", *text]


def label(
    audiomcq: Callable[[list[str], str], None],
    suite: Path,
    voters: Mapping[str, Path],
    out: Path,
    silence: str = "30s",
) -> Path:
    """``audiomcq contribution label`` of the suite at ``suite`` by the three voters."""
    argv = [
        "contribution", "label", "--benchmark", BENCHMARK, *voter_arguments(voters),
        "--rule", "2/3", "--silence", silence,
        "--metadata", json.dumps({"sources": {BENCHMARK: str(suite)}}),
        "--out", str(out), *PROBE_ARGS,
    ]  # fmt: skip
    audiomcq(argv, f"audiomcq contribution label ({out.name})")
    return out


def compare(labels_file: Path, truth: Mapping[str, str]) -> dict[str, Any]:
    """Precision/recall of "weak" against the hidden labels, and per voter how often it
    answered weak and strong items correctly without the audio; kept beside the labels."""
    from audiomcq_plugins.contribution import labels, recovery, vote_report

    result = recovery.recovery(truth, labels.read(labels_file)[1])
    lines = labels_file.read_text(encoding="utf-8").splitlines()[1:]
    voters = vote_report.per_voter([json.loads(line) for line in lines], dict(truth))
    result["voters"] = {
        name: {f"correct_{k}": round(acc, 3) for k, (acc, _) in v.items()}
        for name, v in voters.items()
    }
    labels_file.with_suffix(".recovery.json").write_text(json.dumps(result, indent=2) + "\n")
    return result
