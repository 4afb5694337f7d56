"""What the task YAMLs in ``task_configs/`` call: the dataset loader, the audio of a document,
per-document scoring and the NaN-skipping aggregation. Rows, audio references and verdicts are
the harness-neutral ones of :mod:`audiomcq_plugins.task_docs` and
:mod:`audiomcq_plugins.task_metrics` (lighteval and lmms-eval use the same); lm-eval's standard
errors are added here.

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
  :mod:`audiomcq_plugins.permuted_docs`.

``metadata.provenance`` (an empty mapping in every shipped YAML) is filled in while the data
loads with the benchmark revision and content hash, prompt format, scorer modes, audio mode and
package versions, so it appears in the results JSON under ``configs.<task>.metadata``.
"""

from __future__ import annotations

import json
from typing import Any

from audiomcq_plugins import audio as audio_mod
from audiomcq_plugins import task_docs, task_metrics
from audiomcq_plugins.task_docs import count  # noqa: F401  (the YAMLs' `!function`)

SPLIT = "test"


def load_dataset(**kwargs: Any) -> dict[str, Any]:
    """``custom_dataset`` of every task: the documents of
    :func:`audiomcq_plugins.task_metrics.load_docs` as a one-split Dataset.

    lm-eval passes the task metadata, the dataset kwargs and all ``--model_args`` here, so
    unknown keyword arguments are ignored.
    """
    import datasets

    from audiomcq_plugins.integrations.lm_eval import stderr

    stderr.install()
    return {SPLIT: datasets.Dataset.from_list(task_metrics.load_docs(**kwargs))}


def doc_to_audio(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The audio of one document, a clip after another: references (path + content hash, or
    an ablation), or with ``audio_inline`` the decoded 16 kHz waveforms."""
    refs = task_docs.audio_references(doc)
    if refs and json.loads(doc["settings"])["audio_inline"]:
        from audiomcq_plugins.models.requests import resolve_audio

        return [
            {"array": resolve_audio(ref), "sampling_rate": audio_mod.SAMPLE_RATE} for ref in refs
        ]
    return refs


def process_results(doc: dict[str, Any], results: list[Any]) -> dict[str, Any]:
    """Every metric of one generated answer (:func:`audiomcq_plugins.task_metrics.score_doc`);
    NaN where a metric does not apply to the document."""
    return task_metrics.score_doc(doc, results[0])


def nanmean(values: list[float]) -> float:
    """Mean over the documents a metric applies to (NaN marks the others); its standard error:
    :mod:`.stderr` (which recognises this function)."""
    return task_docs.nanmean(values)
