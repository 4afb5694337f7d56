"""The ``audiomcq_synth`` benchmark spec: loads a suite, generating it first when absent."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audiomcq_plugins.benchmarks.audiomcq import FIELDS, QUESTION_TYPES
from audiomcq_plugins.benchmarks.records import SourceLayout, json_reader
from audiomcq_plugins.benchmarks.spec import BenchmarkSpec, DataNotFoundError
from audiomcq_plugins.benchmarks.synth.generation import AUDIO_DIR, METADATA_FILE, ensure
from audiomcq_plugins.items import CONTRIBUTIONS

GENERATOR_OPTIONS = ("n", "seed", "min_seconds", "max_seconds", "weak_fraction", "subtasks")


@dataclass(frozen=True)
class SynthSpec(BenchmarkSpec):
    """Loads a suite from ``source`` / ``data_dir`` / ``$AUDIOMCQ_DATA_DIR/audiomcq_synth``,
    generating it first (into ``source``, else into the cache) when it is absent. Generator
    options (``n``, ``seed``, ``min_seconds``, ``max_seconds``, ``weak_fraction``,
    ``subtasks``) apply only when a suite is generated."""

    def load(self, source: str | os.PathLike | None = None, **options: Any):  # noqa: ANN201
        gen = {k: options.pop(k) for k in GENERATOR_OPTIONS if k in options}
        if source is None:
            try:
                self.locate(data_dir=options.get("data_dir"), hub=False)
            except DataNotFoundError:
                source = ensure(None, **gen)
        elif not Path(source).is_file() and not self.find_metadata(Path(source)):
            source = ensure(source, **gen)
        return super().load(source, hub=False, **options)


AUDIOMCQ_SYNTH = SynthSpec(
    name="audiomcq_synth",
    family="synth",
    split="test",
    description="Synthetic audio MCQ suite with weak/strong labels known by construction",
    reader=json_reader,
    metadata=(METADATA_FILE,),
    layout=f"{METADATA_FILE} + {AUDIO_DIR}/<id>.wav (made by audiomcq_plugins.benchmarks.synth)",
    breakdowns=("question_type", "audio_contribution", "subtask"),
    breakdown_values={"question_type": QUESTION_TYPES, "audio_contribution": CONTRIBUTIONS},
    source_layout=SourceLayout(fields=FIELDS, audio_root_template="audio/{source_dataset}"),
)

SPECS = (AUDIOMCQ_SYNTH,)
