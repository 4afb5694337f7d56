"""The labels JSONL: a provenance header line, then one line per item, sorted by id.

Header: ``{"audiomcq_contribution_labels": 1, "task", "rule", "rule_text", "scorer", "summary",
"probes": [{name, kind, model, model_args, revision, task, shards}], "benchmark": {revision,
content_hash, prompt_format, audio, ablation_seconds}, "versions"}``. Item lines: ``id``,
``label`` (weak|strong), ``correct``, ``voters``, ``rule`` and each probe's ``answer`` and
``correct`` verdict. Nothing in the file depends on when or where it was made, so the same votes
always give the same bytes.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from audiomcq_plugins.contribution.vote import Label, Probe, Rule, VoteError, summary
from audiomcq_plugins.items import CONTRIBUTIONS as LABELS

FORMAT_KEY = "audiomcq_contribution_labels"
FORMAT_VERSION = 1
#: Provenance fields that every probe must share (else they saw different items or prompts).
SHARED_FIELDS = ("content_hash", "prompt_format")


def _revision(model_args: str) -> str | None:
    for part in model_args.split(","):
        key, _, value = part.partition("=")
        if key.strip() == "revision":
            return value.strip()
    return None


def check_shards(probes: Sequence[Probe]) -> None:
    """Every probe must hold all ``n`` shards of its task exactly once."""
    for probe in probes:
        shards = probe.info.get("shards") or ["0/1"]
        counts = {int(s.split("/")[1]) for s in shards}
        if len(counts) != 1:
            raise VoteError(f"probe {probe.name!r} mixes shard counts {sorted(shards)}")
        n = counts.pop()
        want = [f"{i}/{n}" for i in range(n)]
        if sorted(shards) != sorted(want):
            missing = sorted(set(want) - set(shards))
            raise VoteError(
                f"probe {probe.name!r} has shards {sorted(shards)}; missing {missing}: run them "
                "(or pass their directories) before voting"
            )


def benchmark_provenance(probes: Sequence[Probe]) -> dict[str, Any]:
    """What the probes agree the benchmark was; an error naming the probe that differs."""
    first = probes[0].info.get("provenance") or {}
    for probe in probes[1:]:
        mine = probe.info.get("provenance") or {}
        for key in SHARED_FIELDS:
            if mine.get(key) != first.get(key):
                raise VoteError(
                    f"probe {probe.name!r} saw {key} {mine.get(key)!r} but {probes[0].name!r} saw "
                    f"{first.get(key)!r}: the models were given different items or prompts"
                )
    return {
        "name": first.get("benchmark") or first.get("name"),
        "revision": first.get("revision"),
        "content_hash": first.get("content_hash"),
        "prompt_format": first.get("prompt_format"),
    }


def header(task: str, probes: Sequence[Probe], rule: Rule, scorer: str, labels: Sequence[Label]):
    """The provenance line."""
    ablations = {
        p.name: {
            "audio": (p.info.get("provenance") or {}).get("audio"),
            "ablation_seconds": (p.info.get("provenance") or {}).get("ablation_seconds"),
        }
        for p in probes
    }
    return {
        FORMAT_KEY: FORMAT_VERSION,
        "task": task,
        "rule": rule.name,
        "rule_text": rule.describe(),
        "scorer": scorer,
        "summary": dict(summary(labels)),
        "benchmark": benchmark_provenance(probes),
        "probes": [
            {
                "name": p.name,
                "kind": p.kind,
                "model": p.info.get("model"),
                "model_args": p.info.get("model_args"),
                "revision": _revision(str(p.info.get("model_args") or "")),
                "task": p.info.get("task"),
                "silence": ablations[p.name],
                "shards": p.info.get("shards"),
                "versions": (p.info.get("provenance") or {}).get("versions"),
            }
            for p in probes
        ],
    }


def render(head: Mapping[str, Any], labels: Sequence[Label], rule: Rule) -> str:
    lines = [json.dumps(head, sort_keys=True, ensure_ascii=False)]
    lines += [json.dumps(lab.to_dict(rule), sort_keys=True, ensure_ascii=False) for lab in labels]
    return "\n".join(lines) + "\n"


def write(path: str | Path, text: str) -> Path:
    """Write atomically: a half-written labels file never replaces a good one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path


def read(path: str | Path) -> tuple[dict[str, Any], dict[str, str]]:
    """(header, {id: label}) of a labels file; errors name the line and what is wrong."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"labels file {path} does not exist; make it with `audiomcq contribution label`"
        )
    head: dict[str, Any] = {}
    out: dict[str, str] = {}
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise VoteError(f"{path}:{n}: not JSON ({exc})") from None
            if n == 1 and FORMAT_KEY in row:
                head = row
                continue
            item_id, label = row.get("id"), row.get("label")
            if item_id is None or label not in LABELS:
                raise VoteError(
                    f"{path}:{n}: need an 'id' and a 'label' in {LABELS}, got id={item_id!r} "
                    f"label={label!r}"
                )
            if str(item_id) in out:
                raise VoteError(f"{path}:{n}: item {item_id!r} is labelled twice")
            out[str(item_id)] = label
    return head, out
