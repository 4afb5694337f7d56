"""The documents of a task, for every harness: rows from the benchmark registry, the audio
reference of a row, and the verdicts of one prediction.

Every harness adapter (lm-eval's ``custom_dataset``, lighteval's dataset loader) builds its
documents with :func:`load_rows` and scores them with :func:`score_prediction`, so both report
the same numbers for the same predictions. Rows are plain JSON-able dicts:

- ``id``, ``prompt`` (the rendered user turn), ``choices``, ``answer`` ("" when withheld),
  ``answer_index`` (-1 when withheld);
- ``audio_paths``: the item's clips as absolute paths, in order (embedded audio is cached as a
  file first), never bytes; one path for most benchmarks, several for a multi-clip item;
- ``record``: the canonical item as JSON, minus audio and source (breakdown fields live here);
- ``settings``: the task settings as JSON (benchmark, prompt format, official scorer, audio mode,
  ablation length, breakdowns).

Options (the keyword arguments of :func:`load_rows`): ``benchmark`` (a registered name),
``data_dir``, ``sources`` (``{benchmark: path}``), ``load_options``, ``prompt_format``,
``official_scorer``, ``audio`` (``clip``/``silence``/``noise``), ``ablation_seconds`` (a number,
default 30, or ``"clip"``), ``audio_inline``, ``breakdowns`` (``{field: [values]}``),
``contribution_labels`` / ``subset`` (weak/strong labels and the subset to keep, see
:mod:`audiomcq_plugins.contribution.subsets`; rows carry their label as ``contribution``) and
``shard`` (``"i/n"``).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from audiomcq_plugins import ablations, plugins
from audiomcq_plugins import audio as audio_mod
from audiomcq_plugins.cache import cached_bytes, sha256_bytes, sha256_file_remembered
from audiomcq_plugins.contribution import subsets
from audiomcq_plugins.tasks import AUDIO_MODES

#: Subset accuracies and counts every generation task reports (NaN / 0 without labels).
CONTRIBUTION_METRICS = ("acc_acweak", "acc_acstrong", "n_acweak", "n_acstrong")
#: Metrics summed over documents (counts); every other metric is a NaN-skipping mean.
COUNT_METRICS = ("n_acweak", "n_acstrong")
#: Distributions whose versions every result records.
VERSIONED = (
    "audiomcq-plugins",
    "lm-eval",
    "lighteval",
    "transformers",
    "torch",
    "datasets",
    "vllm",
)


def slug(text: str) -> str:
    """Metric-name form of a breakdown field or value: lower case, ``_`` for anything else."""
    return re.sub(r"[^0-9a-z]+", "_", str(text).lower()).strip("_")


def breakdown_metric(field: str, value: str) -> str:
    return f"acc_{slug(field)}_{slug(value)}"


def metric_names(breakdowns: dict[str, Any]) -> list[str]:
    """Every metric :func:`score_prediction` returns for tasks with these breakdowns."""
    return ["acc", "acc_official", "unparsed", *CONTRIBUTION_METRICS] + [
        breakdown_metric(f, v) for f, values in breakdowns.items() for v in values
    ]


def package_versions() -> dict[str, str | None]:
    from importlib.metadata import PackageNotFoundError, version

    out: dict[str, str | None] = {}
    for name in VERSIONED:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


def _audio_paths(item: Any, data_root: Path) -> list[str]:
    """The files of the item's clips, in order: under the data root, or for audio embedded in
    the metadata (MMSU's parquet) a cached file, so documents and requests carry paths and
    hashes, never bytes. An item without a clip is refused here (its path is empty)."""
    if not item.clips:  # resolve_path's own error for an empty path names the item
        return [str(audio_mod.resolve_path("", data_root, item_id=item.id))]
    return [
        str(cached_bytes(ref.data, "embedded", ref.suffix()))
        if ref.data is not None
        else str(audio_mod.resolve_path(ref.path or "", data_root, item_id=item.id))
        for ref in item.clips
    ]


def scorer_mode(name: str) -> str:
    """A scorer's label in results: its name, and what it depends on when it says (an
    embedding matcher names its embedder)."""
    mode = getattr(plugins.get("scorers", name), "mode", None)
    return mode(name) if callable(mode) else name


def task_settings(**kwargs: Any) -> dict[str, Any]:
    """The checked settings of a task (see the module docstring for the options)."""
    name = kwargs.get("benchmark")
    if not name:
        raise ValueError("task metadata must name the benchmark (metadata.benchmark)")
    spec = plugins.get("benchmarks", name)
    mode = kwargs.get("audio") or "clip"
    if mode not in AUDIO_MODES:
        raise ValueError(f"metadata.audio must be one of {AUDIO_MODES}, not {mode!r}")
    prompt_format = kwargs.get("prompt_format") or spec.default_prompt
    official = kwargs.get("official_scorer") or spec.official_scorer
    plugins.get("prompt_formats", prompt_format)  # fail early on unknown names
    ready = getattr(plugins.get("scorers", official), "ready", None)
    if callable(ready):  # a scorer that loads a model loads it before anything runs
        ready(official)
    return {
        "benchmark": name,
        "prompt_format": prompt_format,
        "official_scorer": official,
        "audio": mode,
        "ablation_seconds": kwargs.get("ablation_seconds", ablations.ABLATION_SECONDS),
        "audio_inline": bool(kwargs.get("audio_inline", False)),
        "breakdowns": kwargs.get("breakdowns") or {},
    }


def load_rows(**kwargs: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The benchmark's items as document rows, and the provenance results must record."""
    from audiomcq_plugins.prompts import render

    settings = task_settings(**kwargs)
    name = settings["benchmark"]
    spec = plugins.get("benchmarks", name)
    source = (kwargs.get("sources") or {}).get(name)
    options = dict(kwargs.get("load_options") or {})
    if kwargs.get("data_dir"):
        options["data_dir"] = kwargs["data_dir"]
    loaded = spec.load(source, **options)
    ac = subsets.item_labels(
        name,
        loaded.items,
        kwargs.get("contribution_labels"),
        loaded.content_hash,
        prompt_format=settings["prompt_format"],
    )
    subset = subsets.check_subset(kwargs.get("subset"), name, ac)
    shard = subsets.parse_shard(kwargs.get("shard"))
    settings_json = json.dumps(settings, sort_keys=True)
    rows = []
    for position, item in enumerate(loaded.items):
        label = (ac or {}).get(item.id) or ""
        if not subsets.in_shard(position, shard) or (subset and label != subset):
            continue
        # the clips travel as audio_paths; the source record is dropped (not copied first)
        record = replace(item, audio=None, extra_audio=(), source={}).to_dict()
        record.pop("audio", None)
        record.pop("source", None)
        rows.append(
            {
                "id": item.id,
                "prompt": render(settings["prompt_format"], item.question, item.choices),
                "choices": list(item.choices),
                "answer": item.answer or "",
                "answer_index": -1 if item.answer_index is None else int(item.answer_index),
                "audio_paths": _audio_paths(item, loaded.data_root),
                "record": json.dumps(record, default=str, ensure_ascii=False),
                "settings": settings_json,
                "contribution": label,
            }
        )
    if subset and not rows:
        where = subsets.labels_path(kwargs.get("contribution_labels"), name) or "shipped labels"
        raise subsets.VoteError(
            f"the {subset} subset of {name} is empty: no item is labelled {subset} in {where}; "
            f"leave out the _ac{subset} task (or relabel)"
        )
    provenance = {
        **loaded.provenance(),
        "prompt_format": settings["prompt_format"],
        "scorer_modes": {"acc": "strict", "acc_official": scorer_mode(settings["official_scorer"])},
        "audio": settings["audio"],
        "ablation_seconds": settings["ablation_seconds"],
        "subset": subset,
        "shard": f"{shard[0]}/{shard[1]}",
        "contribution_labels": subsets.labels_path(kwargs.get("contribution_labels"), name)
        or ("shipped" if ac else None),
        "data_root": str(loaded.data_root),
        "versions": package_versions(),
    }
    return rows, provenance


@lru_cache(maxsize=65536)
def file_sha256(path: str) -> str:
    """A clip's content hash: :func:`audiomcq_plugins.cache.sha256_file_remembered` (read once
    across runs, unless the file changes), remembered per path for the run."""
    return sha256_file_remembered(path)


def _seconds(settings: dict[str, Any], path: str) -> float:
    setting = settings["ablation_seconds"]
    if setting == "clip":
        import soundfile

        return float(soundfile.info(path).duration)
    return float(setting)


def audio_references(row: dict[str, Any]) -> list[dict[str, Any]]:
    """The audio of one row as references, one per clip in order: path + content hash, or
    the ablation that replaces that clip (silence / seeded noise of a length); none for
    text-only variants (audio ``none``).
    :func:`~audiomcq_plugins.models.requests.resolve_audio` turns each into a waveform."""
    settings = json.loads(row["settings"])
    mode = settings["audio"]
    if mode == "none":
        return []
    refs = []
    for k, path in enumerate(row["audio_paths"]):
        ref_id = row["id"] if k == 0 else f"{row['id']}#{k + 1}"
        if mode == "clip":
            refs.append({"id": ref_id, "path": path, "sha256": file_sha256(path)})
            continue
        ref: dict[str, Any] = {"id": ref_id, f"{mode}_seconds": _seconds(settings, path)}
        if mode == "noise":
            ref["seed"] = int(sha256_bytes(ref_id.encode())[:8], 16)
        refs.append(ref)
    return refs


def contribution_metrics(label: str, correct: float) -> dict[str, float]:
    """Accuracy on the weak / strong item (NaN on the other) and one count for its subset."""
    out = {}
    for subset in subsets.SUBSETS:
        mine = label == subset
        out[f"acc_ac{subset}"] = correct if mine else math.nan
        out[f"n_ac{subset}"] = 1.0 if mine else 0.0
    return out


def verdicts(row: dict[str, Any], prediction: Any) -> tuple[Any, Any]:
    """The strict and the official :class:`~audiomcq_plugins.scoring.Verdict` of one answer."""
    settings = json.loads(row["settings"])
    choices, answer = list(row["choices"]), row["answer"]
    strict = plugins.get("scorers", "strict")(prediction, choices, answer)
    official = plugins.get("scorers", settings["official_scorer"])(prediction, choices, answer)
    return strict, official


def score_prediction(row: dict[str, Any], prediction: Any) -> dict[str, float]:
    """Strict and official verdicts, the unparsed flag, the weak/strong subset accuracies and
    counts and the per-breakdown accuracies of one generated answer. Items without an answer
    (withheld test sets) give NaN everywhere; a metric that does not apply to the item (another
    breakdown value, an item the official script drops) is NaN, so :func:`nanmean` gives the
    micro average over the items it covers."""
    from audiomcq_plugins.scoring.report import breakdown_values

    breakdowns: dict[str, list[str]] = json.loads(row["settings"])["breakdowns"]
    if not row["answer"]:
        return dict.fromkeys(metric_names(breakdowns), math.nan)
    strict, official = verdicts(row, prediction)
    correct = float(strict.correct)
    out = {
        "acc": correct,
        "acc_official": float(official.correct) if official.counted else math.nan,
        "unparsed": float(not strict.parsed),
        **contribution_metrics(row.get("contribution") or "", correct),
    }
    record = json.loads(row["record"])
    for field, values in breakdowns.items():
        mine = {slug(v) for v in breakdown_values(record, field)}
        for value in values:
            out[breakdown_metric(field, value)] = correct if slug(value) in mine else math.nan
    return out


def count(values: list[float]) -> float:
    """Number of documents in a subset (each contributes 1.0)."""
    return float(sum(v for v in values if not (isinstance(v, float) and math.isnan(v))))


def nanmean(values: list[float]) -> float:
    """Mean over the documents a metric applies to (NaN marks the others)."""
    kept = [v for v in values if not (isinstance(v, float) and math.isnan(v))]
    return sum(kept) / len(kept) if kept else math.nan
