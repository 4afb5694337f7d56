"""``audiomcq contribution label``: one lm-eval run per probe, then the vote.

Each probe runs ``audiomcq eval`` (lm-eval's own CLI with our tasks and models) in a subprocess
on ``<task>_silent`` (audio models) or ``<task>_text`` (text-only models) with
``--log_samples`` into ``WORK/probes/<n>`` and lm-eval's request cache in ``WORK/cache/<n>``
(every answer is kept as it is produced), both named by the probe's key. A probe whose run
finished is appended to ``WORK/log.jsonl``; a rerun skips it, and a probe killed mid-way
restarts from its cache. The key holds a stamp of a local checkpoint's files, so a model
retrained at the same path is asked again. The
labels are then voted from those sample logs exactly as ``--from-samples`` votes, so the same
answers always give the same file.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audiomcq_plugins.contribution import labels as labels_mod
from audiomcq_plugins.contribution.samples import probes_from_runs, read_runs
from audiomcq_plugins.contribution.vote import Rule, VoteError, vote

#: ``--silence`` -> (task suffix, metadata overrides).
SILENCE = {
    "30s": {"audio": "silence", "ablation_seconds": 30},
    "clip": {"audio": "silence", "ablation_seconds": "clip"},
    "noise": {"audio": "noise", "ablation_seconds": "clip"},
}


@dataclass(frozen=True)
class ProbeSpec:
    """One model to ask: lm-eval model name, its ``--model_args``, and audio or text."""

    model: str
    args: str
    kind: str

    @classmethod
    def parse(cls, text: str, kind: str) -> ProbeSpec:
        """``MODEL:ARGS`` (``audiomcq-hf:pretrained=DIR,batch_size=8``); a bare ``ARGS``
        means ``audiomcq-hf`` for audio models and ``hf`` for text models."""
        model, sep, args = text.partition(":")
        if not sep or "=" in model:
            model, args = ("audiomcq-hf" if kind == "audio" else "hf"), text
        if "pretrained=" not in args:
            raise VoteError(
                f"model {text!r} has no pretrained=...; write MODEL:pretrained=PATH[,key=value]"
            )
        return cls(model, args, kind)

    def key(self, task: str, silence: str) -> str:
        """What a finished probe is remembered by: the model, its arguments, the task, the
        ablation and, for a local checkpoint, :func:`checkpoint_stamp` (a retrained model at
        the same path is asked again)."""
        stamp = checkpoint_stamp(self.args)
        return json.dumps([self.model, self.args, self.kind, task, silence, stamp])


def checkpoint_stamp(model_args: str) -> str | None:
    """A digest of the names, sizes and modification times of the files of the local
    checkpoint ``pretrained=`` names (None for a Hub id: its ``revision=`` identifies it)."""
    args = dict(part.partition("=")[::2] for part in model_args.split(",") if part)
    where = args.get("pretrained")
    path = Path(where).expanduser() if where else None
    if path is None or not path.is_dir():
        return None
    files = sorted(
        (p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in path.iterdir() if p.is_file()
    )
    return hashlib.sha256(json.dumps(files).encode()).hexdigest()[:16]


def _done(log: Path) -> dict[str, str]:
    if not log.is_file():
        return {}
    out = {}
    for line in log.read_text(encoding="utf-8").splitlines():
        if line.strip():
            entry = json.loads(line)
            out[entry["key"]] = entry["dir"]
    return out


#: Model arguments that lm-eval's CLI also takes as flags (given twice, the model gets both).
CLI_FLAGS = ("batch_size", "device")


def _split_flags(model_args: str) -> tuple[str, list[str]]:
    """``pretrained=X,batch_size=4`` -> (``pretrained=X``, [``--batch_size``, ``4``])."""
    kept, flags = [], []
    for part in model_args.split(","):
        key, _, value = part.partition("=")
        if key.strip() in CLI_FLAGS:
            flags += [f"--{key.strip()}", value.strip()]
        elif part:
            kept.append(part)
    return ",".join(kept), flags


def _run_probe(
    spec: ProbeSpec,
    task: str,
    metadata: dict[str, Any],
    out_dir: Path,
    cache: Path,
    extra: Sequence[str],
) -> None:
    suffix = "silent" if spec.kind == "audio" else "text"
    args, flags = _split_flags(spec.args)
    cmd = [
        sys.executable, "-m", "audiomcq_plugins", "eval",
        "--model", spec.model, "--model_args", args, *flags,
        "--tasks", f"{task}_{suffix}", "--log_samples", "--output_path", str(out_dir),
        "--use_cache", str(cache), "--metadata", json.dumps(metadata), *extra,
    ]  # fmt: skip
    done = subprocess.run(cmd, check=False)
    if done.returncode != 0:
        raise VoteError(
            f"lm-eval failed (exit {done.returncode}) for {spec.model}:{spec.args} on "
            f"{task}_{suffix}; see its output above. Rerun to continue where it stopped."
        )


def label(
    task: str,
    specs: Sequence[ProbeSpec],
    *,
    work: Path,
    out: Path,
    rule: Rule,
    scorer: str = "strict",
    silence: str = "30s",
    metadata: dict[str, Any] | None = None,
    extra: Sequence[str] = (),
) -> Path:
    """Run every probe not yet logged as done in ``work``, vote, write ``out``."""
    if silence not in SILENCE:
        raise VoteError(f"--silence must be one of {sorted(SILENCE)}, not {silence!r}")
    if not specs:
        raise VoteError("pass at least one --models (or --text-models) entry")
    rule.threshold(len(specs))  # fail before hours of inference
    work.mkdir(parents=True, exist_ok=True)
    log = work / "log.jsonl"
    done = _done(log)
    dirs = []
    for n, spec in enumerate(specs):
        key = spec.key(task, silence)
        if key in done:
            dirs.append(Path(done[key]))
            continue
        # per key: a changed model never reads another model's cached answers
        slot = f"{n}-{hashlib.sha256(key.encode()).hexdigest()[:12]}"
        out_dir, cache = work / "probes" / slot, work / "cache" / slot
        shutil.rmtree(out_dir, ignore_errors=True)  # a killed run's partial output
        cache.parent.mkdir(parents=True, exist_ok=True)
        meta = {**(metadata or {}), **(SILENCE[silence] if spec.kind == "audio" else {})}
        _run_probe(spec, task, meta, out_dir, cache, extra)
        with log.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps({"key": key, "dir": str(out_dir)}) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        dirs.append(out_dir)
    return label_from_samples(task, dirs, out=out, rule=rule, scorer=scorer)


def label_from_samples(
    task: str, dirs: Sequence[str | Path], *, out: Path, rule: Rule, scorer: str = "strict"
) -> Path:
    """Vote from lm-eval ``--log_samples`` directories and write the labels file."""
    probes = probes_from_runs(read_runs(dirs), task, scorer)
    labels_mod.check_shards(probes)
    labels = vote(probes, rule)
    head = labels_mod.header(task, probes, rule, scorer, labels)
    return labels_mod.write(out, labels_mod.render(head, labels, rule))
