"""lighteval task configs for every registered benchmark, with the lm-eval task names.

:func:`tasks_table` renders the registry's task definitions as
:class:`AudioTaskConfig` (a ``LightevalTaskConfig`` that knows its benchmark): the generation
tasks (``mmau_test_mini``, ``mmar_silent``, ...) report strict accuracy (``acc``), official
accuracy (``acc_official``), the unparsed rate and one ``acc_<field>_<value>`` per breakdown
value, each averaged over the items it applies to (a micro average, as the official scripts
compute); the ``_loglik`` tasks report ``acc`` / ``acc_norm`` of the most likely option.

Documents come from :mod:`audiomcq_plugins.task_docs` (the rows lm-eval uses too). A ``Doc``
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

from audiomcq_plugins import task_docs
from audiomcq_plugins.benchmarks.spec import DEFAULT_MAX_NEW_TOKENS
from audiomcq_plugins.tasks import TaskDef, task_defs

#: Bump when what a task sends to the model changes in a way the config does not show
#: (the rendered prompt is fingerprinted automatically, see :func:`prompt_fingerprint`).
VERSION = 1
SPLIT = "test"
#: Variant options whose documents or metrics only the lm-eval adapter builds so far (the
#: option-order variants ``_circular`` / ``_perm``): such variants are left out here.
UNSUPPORTED_OPTIONS = frozenset({"permute"})


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

    rows, provenance = task_docs.load_rows(benchmark=config.benchmark, **config.options)
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
    "audio_path",
    "record",
    "settings",
)


def prompt_function(line: dict[str, Any], task_name: str) -> Doc:
    """A row -> ``Doc``: the rendered prompt, the options, the gold option (none when the
    answers are withheld) and, in ``specific``, the item id, the audio reference and the row."""
    row = {key: line[key] for key in _ROW_KEYS}
    row["contribution"] = line.get("contribution") or ""  # its weak/strong label, if any
    ref = task_docs.audio_reference(row)  # None for the text-only variant
    gold = row["answer_index"]
    return Doc(
        query=row["prompt"],
        choices=list(row["choices"]),
        gold_index=gold if gold >= 0 else [],
        specific={"id": row["id"], "audio": [ref] if ref else [], "row": row},
    )


# -- metrics -----------------------------------------------------------------------------------


class Verdicts(SampleLevelComputation):
    """Strict / official verdicts, the unparsed flag and per-breakdown accuracy of one
    generated answer (the raw text, as lm-eval and the official scripts score it)."""

    def compute(self, doc: Doc, model_response: Any, **kwargs: Any) -> dict[str, float]:
        text = model_response.text[0] if model_response.text else ""
        return task_docs.score_prediction(doc.specific["row"], text)


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


def generation_metric(breakdowns: dict[str, Any]) -> SampleLevelMetricGrouping:
    names = task_docs.metric_names(breakdowns)
    return SampleLevelMetricGrouping(
        metric_name=names,
        higher_is_better={n: n != "unparsed" for n in names},
        category=SamplingMethod.GENERATIVE,
        sample_level_fn=Verdicts(),
        corpus_level_fn={
            n: task_docs.count if n in task_docs.COUNT_METRICS else task_docs.nanmean for n in names
        },
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
        metrics=[likelihood_metric() if loglik else generation_metric(breakdowns)],
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
    return [
        task_config(task, **options)
        for task in task_defs()
        if not UNSUPPORTED_OPTIONS & set(task.variant.options)
    ]
