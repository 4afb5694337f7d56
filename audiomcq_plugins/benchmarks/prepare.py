"""``audiomcq prepare``: a benchmark's source -> canonical JSONL, with every clip decoded once.

Output in ``out/``:

- ``<name>.jsonl``: canonical items (``duration`` in seconds added when audio was checked);
- ``<name>.meta.json``: revision, content hash, data root, quirks, the summary by breakdown;
- ``audio/``: clips extracted from layouts that embed them (MMSU's parquet).

Resumable: each checked clip is appended to ``.<name>.progress.jsonl`` as it is done, and a
re-run skips those (failed clips are retried). The JSONL appears only once everything passed,
by an atomic rename, so a partial output is never mistaken for a complete one; on audio
problems nothing is written but ``<name>.problems.txt``, unless ``skip_bad_audio`` leaves the
failing items out (they are listed in the meta file).
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from audiomcq_plugins.audioref import describe
from audiomcq_plugins.benchmarks.clip_check import (
    check_clips,
    clip_names,
    is_embedded,
    read_progress,
)
from audiomcq_plugins.benchmarks.spec import BenchmarkSpec, LoadedBenchmark, get_spec
from audiomcq_plugins.cache import write_atomic
from audiomcq_plugins.items import Item, Problem, ValidationError, write_items


class PrepareError(ValidationError):
    """Some clips are missing, unreadable or outside the data root; lists every one."""


@dataclass
class PrepareResult:
    path: Path
    meta_path: Path
    n_items: int
    summary: dict[str, Any]
    skipped: dict[str, list[str]] = field(default_factory=dict)
    resumed: int = 0
    up_to_date: bool = False


def output_paths(out: Path, name: str) -> tuple[Path, Path, Path, Path]:
    """(items, meta, progress, problems) paths of benchmark ``name`` under ``out``."""
    return (
        out / f"{name}.jsonl",
        out / f"{name}.meta.json",
        out / f".{name}.progress.jsonl",
        out / f"{name}.problems.txt",
    )


def summarize(items: list[Item], spec: BenchmarkSpec) -> dict[str, Any]:
    """Counts (and seconds of audio, when known) per value of each breakdown field."""
    out: dict[str, Any] = {"items": len(items)}
    seconds = [it.breakdown.get("duration") for it in items]
    if all(s is not None for s in seconds) and items:
        out["seconds"] = round(sum(seconds), 1)
    for name in spec.breakdowns:
        table: dict[str, dict[str, float]] = defaultdict(lambda: {"items": 0})
        for it, s in zip(items, seconds, strict=True):
            row = table[str(it.field(name))]
            row["items"] += 1
            if s is not None:
                row["seconds"] = round(row.get("seconds", 0.0) + s, 1)
        out[name] = dict(sorted(table.items()))
    return out


def prepare(
    benchmark: str | BenchmarkSpec,
    source: str | os.PathLike | None,
    out: str | os.PathLike,
    *,
    skip_audio: bool = False,
    workers: int | None = None,
    skip_bad_audio: bool = False,
    progress: bool = True,
    **options: Any,
) -> PrepareResult:
    """Prepare one benchmark (see the module docstring). ``options`` go to the loader
    (``skip_invalid``, ``fields``, ``audio_base``, ``data_dir``, family options)."""
    spec = get_spec(benchmark) if isinstance(benchmark, str) else benchmark
    loaded = spec.load(source, **options)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    items_path, meta_path, progress_path, problems_path = output_paths(out, spec.name)
    check = not skip_audio
    current = _up_to_date(items_path, meta_path, loaded.content_hash, check)
    if current is not None:
        return current

    embedded = _embedded_flags(spec, loaded)
    data_root = out.resolve() if any(embedded) else loaded.data_root
    header = {"content_hash": loaded.content_hash, "check_audio": check, "root": str(data_root)}
    done = read_progress(progress_path, header)
    resumed = len(done)
    jobs = [
        (it.id, it.clips, str(data_root), clip_names(it.id, it.clips) if emb else None, check)
        for it, emb in zip(loaded.items, embedded, strict=True)
        if it.id not in done and (emb or check) and it.clips
    ]
    if jobs:
        check_clips(jobs, done, progress_path, header, workers, progress, spec.name)

    problems = _audio_problems(loaded, done)
    if problems and not skip_bad_audio:
        problems_path.write_text("\n".join(map(str, problems)) + "\n", encoding="utf-8")
        raise PrepareError(
            problems,
            what=f"the audio of {spec.name} (also in {problems_path}; fix or re-download the "
            "clips and re-run, or pass --skip-bad-audio to leave those items out)",
        )
    bad = {p.item_id for p in problems}
    items = _checked_items(loaded, done, bad)
    skipped = {"answer_outside_choices": loaded.quirks["skipped"], "bad_audio": sorted(bad)}
    summary = summarize(items, spec)
    meta = _meta(spec, loaded, len(items), data_root, check, skipped, summary)
    # Meta first, items last: the items file exists only when the whole run is complete.
    write_atomic(meta_path, json.dumps(meta, indent=1, ensure_ascii=False).encode())
    tmp = items_path.with_name(items_path.name + ".tmp")
    write_items(items, tmp)
    os.replace(tmp, items_path)
    progress_path.unlink(missing_ok=True)
    problems_path.unlink(missing_ok=True)
    return PrepareResult(items_path, meta_path, len(items), summary, skipped, resumed)


def _up_to_date(
    items_path: Path, meta_path: Path, content_hash: str, check: bool
) -> PrepareResult | None:
    """The result of a previous complete run on the same content, if it still holds."""
    if not (items_path.is_file() and meta_path.is_file()):
        return None
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    if (
        meta.get("content_hash") == content_hash
        and (meta["audio_checked"] or not check)
        and not meta["skipped"]["bad_audio"]  # clips may have been fixed since: re-check
    ):
        return PrepareResult(
            items_path, meta_path, meta["n_items"], meta["summary"], up_to_date=True
        )
    return None


def _embedded_flags(spec: BenchmarkSpec, loaded: LoadedBenchmark) -> list[bool]:
    """Whether each item embeds its clip; a source holds one kind or the other."""
    embedded = [is_embedded(it.audio) for it in loaded.items]
    clips = [is_embedded(clip) for it in loaded.items for clip in it.clips]
    if any(clips) and not all(clips):
        raise ValueError(
            f"benchmark {spec.name}: mixes embedded audio and audio paths; prepare needs one "
            "kind per source"
        )
    return embedded


def _audio_problems(loaded: LoadedBenchmark, done: dict[str, dict[str, Any]]) -> list[Problem]:
    by_id = {it.id: it for it in loaded.items}
    return [
        Problem(
            iid,
            "audio",
            ", ".join(map(describe, by_id[iid].clips)),
            e["error"],
        )
        for iid, e in done.items()
        if "error" in e
    ]


def _checked_items(
    loaded: LoadedBenchmark, done: dict[str, dict[str, Any]], bad: set[str]
) -> list[Item]:
    """The items without bad audio, with extracted clip paths and measured durations."""
    items: list[Item] = []
    for it in loaded.items:
        if it.id in bad:
            continue
        entry = done.get(it.id, {})
        breakdown = dict(it.breakdown)
        if "duration" in entry:
            breakdown["duration"] = entry["duration"]
        items.append(replace(it, audio=entry.get("audio", it.audio), breakdown=breakdown))
    return items


def _meta(
    spec: BenchmarkSpec,
    loaded: LoadedBenchmark,
    n_items: int,
    data_root: Path,
    check: bool,
    skipped: dict[str, Any],
    summary: dict[str, Any],
) -> dict[str, Any]:
    """The ``<name>.meta.json`` content."""
    return {
        **loaded.provenance(),
        "n_items": n_items,
        "family": spec.family,
        "split": spec.split,
        "data_root": str(data_root),
        "source_files": [str(p) for p in loaded.files],
        "audio_checked": check,
        "answers_withheld": spec.answers_withheld,
        "default_prompt": spec.default_prompt,
        "official_scorer": spec.official_scorer,
        "breakdowns": list(spec.breakdowns),
        "skipped": skipped,
        "quirks": loaded.quirks,
        "summary": summary,
    }


def read_meta(items_path: str | os.PathLike) -> dict[str, Any] | None:
    """The ``.meta.json`` written beside a prepared JSONL file, if any."""
    p = Path(items_path)
    meta = p.with_name(p.name[: -len(".jsonl")] + ".meta.json") if p.suffix == ".jsonl" else None
    if meta is None or not meta.is_file():
        return None
    return json.loads(meta.read_text(encoding="utf-8"))


def open_prepared(items_path: str | os.PathLike) -> LoadedBenchmark:
    """Re-open a prepared benchmark (its JSONL and meta file) as a :class:`LoadedBenchmark`."""
    from audiomcq_plugins.items import load_items

    meta = read_meta(items_path)
    if meta is None:
        raise FileNotFoundError(
            f"{items_path}: no .meta.json beside it; produce it with `audiomcq prepare`"
        )
    return LoadedBenchmark(
        name=meta["benchmark"],
        items=load_items(items_path),
        data_root=Path(meta["data_root"]),
        revision=meta["revision"],
        content_hash=meta["content_hash"],
        quirks=meta["quirks"],
        files=[Path(f) for f in meta["source_files"]],
    )
