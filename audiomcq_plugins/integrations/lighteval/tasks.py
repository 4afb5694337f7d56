"""lighteval task configs for every registered benchmark, with the lm-eval task names.

:func:`tasks_table` renders the registry's task definitions as
:class:`AudioTaskConfig` (a ``LightevalTaskConfig`` that knows its benchmark): the generation
tasks (``mmau_test_mini``, ``mmar_silent``, ``mmar_circular``, ...) report the metrics of
:func:`audiomcq_plugins.task_metrics.task_metrics` (strict and official accuracy, the unparsed
rate, weak/strong subsets, breakdowns, CircularEval), each averaged over the items it applies
to, as lm-eval and lmms-eval do; the ``_loglik`` tasks report ``acc`` / ``acc_norm`` of the
most likely option. An option-order outcome travels through lighteval's details as JSON text.

Documents come from :mod:`audiomcq_plugins.task_metrics` (the documents lm-eval uses too). A ``Doc``
has no audio field, so ``Doc.specific`` carries the audio *reference* (path + sha256, or the
ablation) and the row; details files never hold a waveform.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from lighteval.metrics.metrics_sample import SampleLevelComputation
from lighteval.metrics.utils.metric_utils import SampleLevelMetricGrouping
from lighteval.tasks.lighteval_task import LightevalTaskConfig
from lighteval.tasks.requests import Doc, SamplingMethod

from audiomcq_plugins import permutations, task_docs, task_metrics
from audiomcq_plugins.benchmarks.spec import DEFAULT_MAX_NEW_TOKENS
from audiomcq_plugins.tasks import TaskDef, task_defs

#: Bump when what a task sends to the model changes in a way the config does not show
#: (the rendered prompt is fingerprinted automatically, see :func:`prompt_fingerprint`).
VERSION = 1
SPLIT = "test"


@dataclass
class AudioTaskConfig(LightevalTaskConfig):
    """A task over a registered benchmark. ``options`` are :func:`task_docs.load_rows`'s
    (audio mode, prompt format, official scorer, breakdowns, ``data_dir``, ...); all of them
    and the prompt fingerprint enter lighteval's cache key. ``provenance`` is filled while the
    data loads (benchmark revision, content hash, versions) and is saved with the results."""

    benchmark: str = ""
    options: dict[str, Any] = field(default_factory=dict)
    prompt_fingerprint: str = ""
    provenance: dict[str, Any] = field(default_factory=dict)


def prompt_fingerprint(prompt_format: str) -> str:
    """A short hash of what the prompt format renders, so a prompt change invalidates
    lighteval's sample cache without a manual version bump."""
    from audiomcq_plugins.prompts import render

    probe = render(prompt_format, "Which sound is it?", ["a dog", "a cat", "a bell"])
    return hashlib.sha256(probe.encode()).hexdigest()[:12]


# -- documents ---------------------------------------------------------------------------------


def load_dataset(config: AudioTaskConfig) -> Any:
    """lighteval's dataset for one of our tasks: the benchmark's rows as a one-split
    DatasetDict (installed as lighteval's loader by :mod:`.compat`)."""
    import datasets

    provenance: dict[str, Any] = {}
    rows = task_metrics.load_docs(
        benchmark=config.benchmark, provenance=provenance, **config.options
    )
    config.provenance.clear()
    config.provenance.update(json.loads(json.dumps(provenance, default=str)))
    if config.hf_filter is not None:
        rows = [r for r in rows if config.hf_filter(r)]
    return datasets.DatasetDict({SPLIT: datasets.Dataset.from_list(rows)})


_ROW_KEYS = (
    "id",
    "prompt",
    "choices",
    "answer",
    "answer_index",
    "audio_paths",
    "record",
    "settings",
)


_ORDER_KEYS = ("order", "order_index", "original_choices")


def prompt_function(line: dict[str, Any], task_name: str) -> Doc:
    """A row -> ``Doc``: the rendered prompt, the options, the gold option (none when the
    answers are withheld) and, in ``specific``, the item id, the audio reference and the row."""
    row = {key: line[key] for key in _ROW_KEYS}
    row["contribution"] = line.get("contribution") or ""  # its weak/strong label, if any
    row.update({k: line[k] for k in _ORDER_KEYS if k in line})  # option-order documents
    refs = task_docs.audio_references(row)  # none for the text-only variant
    gold = row["answer_index"]
    return Doc(
        query=row["prompt"],
        choices=list(row["choices"]),
        gold_index=gold if gold >= 0 else [],
        specific={"id": row["id"], "audio": refs, "row": row},
    )


# -- metrics -----------------------------------------------------------------------------------


def _sample_value(value: Any) -> Any:
    """A per-document value lighteval can store in its details: an option-order outcome
    (a tuple of item id, order, verdict and choice) as JSON text."""
    return json.dumps(value) if isinstance(value, tuple) else value


class PerItem:
    """A per-item aggregation of :mod:`audiomcq_plugins.permutations` (by name) over JSON
    outcomes; a class, so lighteval can pickle it into its bootstrap workers. Its
    ``__name__`` never says "mean": lighteval would then take the values for numbers and
    give them the standard error of a mean; it bootstraps this one."""

    __name__ = "per_item"

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, values: list[Any]) -> float:
        fn = getattr(permutations, self.name)
        return fn([json.loads(v) if isinstance(v, str) else v for v in values])


class Verdicts(SampleLevelComputation):
    """Every metric of one generated answer (the raw text, as lm-eval and the official
    scripts score it): :func:`audiomcq_plugins.task_metrics.score_doc`."""

    def compute(self, doc: Doc, model_response: Any, **kwargs: Any) -> dict[str, Any]:
        text = model_response.text[0] if model_response.text else ""
        metrics = task_metrics.score_doc(doc.specific["row"], text)
        return {k: _sample_value(v) for k, v in metrics.items()}


class OptionLikelihood(SampleLevelComputation):
    """``acc``: the most likely option is the gold one; ``acc_norm``: the same with each
    log-likelihood divided by the option's length in characters (lm-eval's definitions)."""

    def compute(self, doc: Doc, model_response: Any, **kwargs: Any) -> dict[str, float]:
        logprobs = list(model_response.logprobs)
        gold = doc.gold_index
        norm = [lp / max(1, len(c)) for lp, c in zip(logprobs, doc.choices, strict=True)]
        return {
            "acc": float(logprobs.index(max(logprobs)) == gold),
            "acc_norm": float(norm.index(max(norm)) == gold),
        }


def _corpus_fn(spec: task_metrics.MetricSpec) -> Any:
    if spec.aggregation == "mean":
        return task_docs.nanmean
    if spec.aggregation == "count":
        return task_docs.count
    return PerItem(spec.aggregation)


def generation_metric(task: TaskDef) -> SampleLevelMetricGrouping:
    specs = task_metrics.task_metrics(task)
    return SampleLevelMetricGrouping(
        metric_name=[m.name for m in specs],
        higher_is_better={m.name: m.higher is not False for m in specs},
        category=SamplingMethod.GENERATIVE,
        sample_level_fn=Verdicts(),
        corpus_level_fn={m.name: _corpus_fn(m) for m in specs},
    )


def likelihood_metric() -> SampleLevelMetricGrouping:
    names = ["acc", "acc_norm"]
    return SampleLevelMetricGrouping(
        metric_name=names,
        higher_is_better=dict.fromkeys(names, True),
        category=SamplingMethod.LOGPROBS,
        sample_level_fn=OptionLikelihood(),
        corpus_level_fn=dict.fromkeys(names, task_docs.nanmean),
    )


# -- the table ---------------------------------------------------------------------------------


def task_config(task: TaskDef, **options: Any) -> AudioTaskConfig:
    """One registry task definition as a lighteval config; ``options`` (e.g. ``data_dir``)
    go to the loader."""
    breakdowns = {f: list(v) for f, v in task.breakdowns.items()}
    loglik = task.variant.output == "loglik"
    generation = dict(task.generation or {})
    until = generation.get("until") or []
    return AudioTaskConfig(
        name=task.name,
        prompt_function=prompt_function,
        hf_repo=f"audiomcq/{task.benchmark}",  # informative only: the loader is ours
        hf_subset="default",
        hf_avail_splits=[SPLIT],
        evaluation_splits=[SPLIT],
        metrics=[likelihood_metric() if loglik else generation_metric(task)],
        generation_size=None
        if loglik
        else int(generation.get("max_gen_toks", DEFAULT_MAX_NEW_TOKENS)),
        stop_sequence=[until] if isinstance(until, str) else list(until),
        version=VERSION,
        benchmark=task.benchmark,
        options={
            "audio": task.variant.audio,
            "prompt_format": task.prompt_format,
            "official_scorer": task.official_scorer,
            "breakdowns": breakdowns,
            **dict(task.variant.options),  # e.g. a subset to keep
            **{k: v for k, v in options.items() if v is not None},
        },
        prompt_fingerprint=prompt_fingerprint(task.prompt_format),
    )


def tasks_table(**options: Any) -> list[AudioTaskConfig]:
    """Every registered task as a lighteval config. ``options`` reach the dataset loader:
    ``data_dir``, ``sources``, ``load_options``, ``ablation_seconds`` (see
    :mod:`audiomcq_plugins.task_docs`); without ``data_dir`` the benchmark's own rules apply
    (``$AUDIOMCQ_DATA_DIR``, then the Hub when online). Installs :mod:`.compat` (our dataset
    loader among them)."""
    from audiomcq_plugins.integrations.lighteval import compat

    compat.install()
    return [task_config(task, **options) for task in task_defs()]
