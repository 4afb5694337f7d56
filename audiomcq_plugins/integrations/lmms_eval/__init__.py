"""lmms-eval adapter: our tasks and models in lmms-eval 0.7, with no fork.

- Tasks: :mod:`.task_yaml` renders every task of :func:`audiomcq_plugins.tasks.task_defs`
  (built-in and plugin benchmarks) into a directory for ``lmms-eval --include_path``;
  ``audiomcq task-dir --harness lmms-eval`` prints it. Each YAML is a task of class
  :class:`.tasks.AudioMCQTask`, which loads through the benchmark registry.
- Models: ``audiomcq-hf``, ``audiomcq-api`` and ``audiomcq-vllm`` (:mod:`.model`) through the
  entry-point group ``lmms_eval.models`` (:func:`manifests`), as simple models.
- :mod:`.compat`: the tested lmms-eval release and the one patch (our task directory wins over
  lmms-eval's built-in tasks of the same name: ``mmau_test_mini``, ``mmar``, ``mmsu``).

Imports the core, the backends and lmms-eval only.
"""

from __future__ import annotations

from typing import Any

#: lmms-eval model id -> our class (in :mod:`.model`).
MODELS = {
    "audiomcq-hf": "AudioMCQHF",
    "audiomcq-api": "AudioMCQAPI",
    "audiomcq-vllm": "AudioMCQVLLM",
}


def manifests() -> list[Any]:
    """The entry point of group ``lmms_eval.models``: one simple-model manifest per model.
    lmms-eval calls it when it builds its model registry (on importing ``lmms_eval.models``,
    before any task is indexed), which is when :func:`.compat.install` puts our task
    directory's precedence in place."""
    from lmms_eval.models.registry_v2 import ModelManifest

    from audiomcq_plugins.integrations.lmms_eval import compat

    compat.install()
    return [
        ModelManifest(model_id=name, simple_class_path=f"{__name__}.model.{cls}")
        for name, cls in MODELS.items()
    ]
