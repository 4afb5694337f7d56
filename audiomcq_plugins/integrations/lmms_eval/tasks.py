"""What our lmms-eval task YAMLs call: the task class that loads through the benchmark registry,
the audio and text of a document, and per-document scoring.

Documents and metrics are the harness-neutral ones of :mod:`audiomcq_plugins.task_metrics`
(lm-eval and lighteval use the same), so the same answers give the same numbers. lmms-eval
averages every value a document returns, so a metric that does not apply to a document (a
weak-item accuracy on a strong item, another breakdown value) is left out of that document's
results instead of being NaN; lmms-eval's own ``mean`` then gives the mean over the documents
it applies to and its standard error.

Options are the task's ``metadata`` (as for lm-eval: ``data_dir``, ``sources``,
``contribution_labels``, ``audio``, ``ablation_seconds``, ...). lmms-eval has no
``--metadata``; ``audiomcq task-dir --harness lmms-eval --metadata '{...}'`` renders a task
directory with them.
"""

from __future__ import annotations

from typing import Any

from lmms_eval.api.task import ConfigurableTask

from audiomcq_plugins import audio as audio_mod
from audiomcq_plugins import task_docs, task_metrics
from audiomcq_plugins.task_docs import count  # noqa: F401  (the YAMLs' `!function`)

SPLIT = "test"


class AudioMCQTask(ConfigurableTask):
    """A task of ours: lmms-eval's configurable task whose data come from the benchmark
    registry (:func:`audiomcq_plugins.task_metrics.load_docs`) instead of the Hub."""

    def __init__(self, config: dict[str, Any]) -> None:
        from audiomcq_plugins.integrations.lmms_eval import compat

        compat.require_tested_lmms_eval()
        super().__init__(config={k: v for k, v in config.items() if k != "class"})

    def download(self, dataset_kwargs: dict[str, Any] | None = None) -> None:
        import datasets

        options = dict(self.config.metadata or {})
        options["provenance"] = dict(options.get("provenance") or {})
        docs = task_metrics.load_docs(**options)
        self.config.metadata = options
        self.dataset = datasets.DatasetDict({SPLIT: datasets.Dataset.from_list(docs)})
        self.dataset_no_image = self.dataset


def doc_to_visual(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The audio of one document as lmms-eval's audio models take it: the decoded 16 kHz
    waveforms (``{"array", "sampling_rate"}``), one per clip in order; none for a text-only
    variant."""
    from audiomcq_plugins.models.requests import resolve_audio

    return [
        {"array": resolve_audio(ref), "sampling_rate": audio_mod.SAMPLE_RATE}
        for ref in task_docs.audio_references(doc)
    ]


def doc_to_text(doc: dict[str, Any], lmms_eval_specific_kwargs: Any = None) -> str:
    """The benchmark's user turn (its own prompt format), as every harness sends it."""
    return doc["prompt"]


def process_results(doc: dict[str, Any], results: list[Any]) -> dict[str, Any]:
    """The metrics of one generated answer that apply to this document."""
    return task_metrics.applicable(task_metrics.score_doc(doc, results[0]))
