"""What the task YAMLs in ``task_configs/`` call: the dataset loader, the audio of a document,
per-document scoring and the NaN-skipping aggregation.

Every task loads through the benchmark registry (``plugins.get("benchmarks", name).load``), so
a benchmark registered by a plugin works here unchanged. Options come from the task's
``metadata`` (overridable with lm-eval's ``--metadata '{...}'`` or ``TaskManager(metadata=)``):

- ``benchmark``: the registered benchmark name;
- ``data_dir``: the data location (else ``$AUDIOMCQ_DATA_DIR``; see the benchmark spec);
  ``sources``: ``{benchmark: path}`` for benchmarks stored elsewhere; ``load_options``: extra
  loader options (e.g. ``{"n": 50}`` for the synthetic suite, ``{"skip_invalid": true}``);
- ``prompt_format``: a registered prompt format (default: the benchmark's own convention);
- ``official_scorer``: the scorer behind ``acc_official`` (default: the benchmark's own);
- ``audio``: ``clip`` (default), ``silence`` or ``noise``; ``ablation_seconds``: a number
  (default 30, as in audio-contribution filtering) or ``"clip"`` (the clip's own length);
- ``audio_inline``: give lm-eval models waveforms (``{"array", "sampling_rate"}``) instead of
  references; our models take both; references keep memory flat and logs free of waveforms;
- ``breakdowns``: ``{field: [values]}``, one ``acc_<field>_<value>`` metric each;
- ``contribution_labels``: ``{task: labels.jsonl}`` (or one path): weak/strong labels made by
  ``audiomcq contribution label``; else the labels the dataset ships. With labels every task
  reports ``acc_acweak`` / ``acc_acstrong`` and the counts ``n_acweak`` / ``n_acstrong``;
  ``subset``: ``weak`` or ``strong`` keeps only those items (the ``_acweak`` / ``_acstrong``
  variants);
- ``shard``: ``"i/n"`` keeps every n-th item from the i-th (0-based), so n nodes can share a
  run; their ``--log_samples`` outputs merge in ``audiomcq contribution label --from-samples``.
- ``permute``: ``circular`` or ``random`` asks each item under several option orders
  (``permutations``: how many random ones, default 5; ``permutation_seed``: default 0); see
  :mod:`.permuted`.

``metadata.provenance`` (an empty mapping in every shipped YAML) is filled in while the data
loads with the benchmark revision and content hash, prompt format, scorer modes, audio mode and
package versions, so it appears in the results JSON under ``configs.<task>.metadata``.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from audiomcq_plugins import audio as audio_mod
from audiomcq_plugins import plugins
from audiomcq_plugins.cache import cached_bytes, sha256_bytes, sha256_file
from audiomcq_plugins.contribution import subsets
from audiomcq_plugins.integrations.lm_eval import permuted
from audiomcq_plugins.tasks import AUDIO_MODES

SPLIT = "test"


def slug(text: str) -> str:
    """Metric-name form of a breakdown field or value: lower case, ``_`` for anything else."""
    return re.sub(r"[^0-9a-z]+", "_", str(text).lower()).strip("_")


def breakdown_metric(field: str, value: str) -> str:
    return f"acc_{slug(field)}_{slug(value)}"


def package_versions() -> dict[str, str | None]:
    from importlib.metadata import PackageNotFoundError, version

    out: dict[str, str | None] = {}
    for name in ("audiomcq-plugins", "lm-eval", "transformers", "torch", "datasets", "vllm"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


def _audio_path(item: Any, data_root: Path) -> str:
    """The clip's file: under the data root, or for audio embedded in the metadata (MMSU's
    parquet) a cached file, so documents and requests carry a path and a hash, never bytes."""
    ref = item.audio
    if ref is not None and ref.data is not None:
        return str(cached_bytes(ref.data, "embedded", ref.suffix()))
    return str(audio_mod.resolve_path(ref.path if ref else "", data_root, item_id=item.id))


def load_dataset(**kwargs: Any) -> dict[str, Any]:
    """``custom_dataset`` of every task: the benchmark's items as a one-split Dataset.

    lm-eval passes the task metadata, the dataset kwargs and all ``--model_args`` here, so
    unknown keyword arguments are ignored.
    """
    import datasets

    from audiomcq_plugins.integrations.lm_eval import stderr

    stderr.install()
    name = kwargs.get("benchmark")
    if not name:
        raise ValueError("task metadata must name the benchmark (metadata.benchmark)")
    spec = plugins.get("benchmarks", name)
    mode = kwargs.get("audio", "clip")
    if mode not in AUDIO_MODES:
        raise ValueError(f"metadata.audio must be one of {AUDIO_MODES}, not {mode!r}")
    prompt_format = kwargs.get("prompt_format") or spec.default_prompt
    official = kwargs.get("official_scorer") or spec.official_scorer
    plugins.get("prompt_formats", prompt_format)  # fail early on unknown names
    plugins.get("scorers", official)
    source = (kwargs.get("sources") or {}).get(name)
    options = dict(kwargs.get("load_options") or {})
    if kwargs.get("data_dir"):
        options["data_dir"] = kwargs["data_dir"]
    order_settings = permuted.options(kwargs)
    loaded = spec.load(source, **options)
    ac = subsets.item_labels(
        name, loaded.items, kwargs.get("contribution_labels"), loaded.content_hash
    )
    subset = subsets.check_subset(kwargs.get("subset"), name, ac)
    shard = subsets.parse_shard(kwargs.get("shard"))

    settings = {
        "benchmark": name,
        "prompt_format": prompt_format,
        "official_scorer": official,
        "audio": mode,
        "ablation_seconds": kwargs.get("ablation_seconds", audio_mod.ABLATION_SECONDS),
        "audio_inline": bool(kwargs.get("audio_inline", False)),
        "breakdowns": kwargs.get("breakdowns") or {},
    }
    settings_json = json.dumps(settings, sort_keys=True)
    from audiomcq_plugins.prompts import render

    rows = []
    for position, item in enumerate(loaded.items):
        label = (ac or {}).get(item.id) or ""
        if not subsets.in_shard(position, shard) or (subset and label != subset):
            continue
        record = replace(item, audio=None).to_dict()  # the clip travels as audio_path
        record.pop("audio", None)
        record.pop("source", None)
        row = {
            "id": item.id,
            "prompt": render(prompt_format, item.question, item.choices),
            "choices": list(item.choices),
            "answer": item.answer or "",
            "answer_index": -1 if item.answer_index is None else int(item.answer_index),
            "audio_path": _audio_path(item, loaded.data_root),
            "record": json.dumps(record, default=str, ensure_ascii=False),
            "settings": settings_json,
            "contribution": label,
        }
        if order_settings is None:
            rows.append(row)
        else:
            rows += permuted.expand(
                row, order_settings, lambda c, q=item.question: render(prompt_format, q, c)
            )
    provenance = kwargs.get("provenance")
    if isinstance(provenance, dict):
        provenance.update(
            {
                **loaded.provenance(),
                "prompt_format": prompt_format,
                "scorer_modes": {"acc": "strict", "acc_official": official},
                "audio": mode,
                "ablation_seconds": settings["ablation_seconds"],
                "subset": subset,
                "shard": f"{shard[0]}/{shard[1]}",
                "contribution_labels": subsets.labels_path(kwargs.get("contribution_labels"), name)
                or ("shipped" if ac else None),
                "option_orders": order_settings,
                "data_root": str(loaded.data_root),
                "versions": package_versions(),
            }
        )
    return {SPLIT: datasets.Dataset.from_list(rows)}


@lru_cache(maxsize=65536)
def file_sha256(path: str) -> str:
    """:func:`audiomcq_plugins.cache.sha256_file`, remembered per path for the run."""
    return sha256_file(path)


def _seconds(setting: Any, path: str) -> float:
    if setting == "clip":
        import soundfile

        return float(soundfile.info(path).duration)
    return float(setting)


def doc_to_audio(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The audio of one document: a reference (path + content hash, or an ablation), or with
    ``audio_inline`` the decoded 16 kHz waveform."""
    settings = json.loads(doc["settings"])
    path = doc["audio_path"]
    mode = settings["audio"]
    if mode == "clip":
        ref: dict[str, Any] = {"id": doc["id"], "path": path, "sha256": file_sha256(path)}
    else:
        seconds = _seconds(settings["ablation_seconds"], path)
        ref = {"id": doc["id"], f"{mode}_seconds": seconds}
        if mode == "noise":
            ref["seed"] = int(sha256_bytes(doc["id"].encode())[:8], 16)
    if settings["audio_inline"]:
        from audiomcq_plugins.models.requests import resolve_audio

        return [{"array": resolve_audio(ref), "sampling_rate": audio_mod.SAMPLE_RATE}]
    return [ref]


#: Subset accuracies and counts every generation task reports (NaN / 0 without labels).
CONTRIBUTION_METRICS = ("acc_acweak", "acc_acstrong", "n_acweak", "n_acstrong")


def contribution_metrics(label: str, correct: float) -> dict[str, float]:
    """Accuracy on the weak / strong item (NaN on the other) and one count for its subset."""
    out = {}
    for subset in subsets.SUBSETS:
        mine = label == subset
        out[f"acc_ac{subset}"] = correct if mine else math.nan
        out[f"n_ac{subset}"] = 1.0 if mine else 0.0
    return out


def process_results(doc: dict[str, Any], results: list[Any]) -> dict[str, Any]:
    """Strict and official verdicts, the unparsed flag and the per-breakdown accuracies of one
    generated answer (and for option-order tasks :func:`.permuted.metrics`). Items without an
    answer (withheld test sets) give NaN everywhere."""
    from audiomcq_plugins.scoring.report import breakdown_values

    settings = json.loads(doc["settings"])
    breakdowns: dict[str, list[str]] = settings["breakdowns"]
    names = ["acc", "acc_official", "unparsed", *CONTRIBUTION_METRICS] + [
        breakdown_metric(f, v) for f, values in breakdowns.items() for v in values
    ]
    answer = doc["answer"]
    if not answer:
        return dict.fromkeys(names, math.nan)
    prediction = results[0]
    choices = list(doc["choices"])
    strict = plugins.get("scorers", "strict")(prediction, choices, answer)
    official = plugins.get("scorers", settings["official_scorer"])(prediction, choices, answer)
    correct = float(strict.correct)
    out = {
        "acc": correct,
        "acc_official": float(official.correct) if official.counted else math.nan,
        "unparsed": float(not strict.parsed),
        **contribution_metrics(doc.get("contribution") or "", correct),
    }
    record = json.loads(doc["record"])
    per_breakdown = {}
    for field, values in breakdowns.items():
        mine = {slug(v) for v in breakdown_values(record, field)}
        for value in values:
            per_breakdown[breakdown_metric(field, value)] = (
                correct if slug(value) in mine else math.nan
            )
    out.update(per_breakdown)
    if "order" in doc:
        out.update(permuted.metrics(doc, strict, official, per_breakdown))
    return out


def count(values: list[float]) -> float:
    """Number of documents in a subset (each contributes 1.0)."""
    return float(sum(v for v in values if not (isinstance(v, float) and math.isnan(v))))


def nanmean(values: list[float]) -> float:
    """Mean over the documents a metric applies to (NaN marks the others); its standard error:
    :mod:`.stderr`."""
    from audiomcq_plugins.integrations.lm_eval.stderr import kept

    xs = kept(values)
    return sum(xs) / len(xs) if xs else math.nan
