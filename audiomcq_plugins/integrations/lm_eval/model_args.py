"""What our lm-eval models take as ``--model_args``: read from their constructors' signatures,
plus what lm-eval passes to every model (:data:`HARNESS_ARGS`). ``audiomcq eval``'s pre-flight
and the constructors check a run's arguments against it (:func:`audiomcq_plugins.flags.
reject_unknown`)."""

from __future__ import annotations

from audiomcq_plugins.flags import keyword_parameters

#: Model arguments lm-eval passes to every model (``--batch_size``, ``--max_batch_size``,
#: ``--device``), whether or not it uses them.
HARNESS_ARGS = ("batch_size", "max_batch_size", "device")


def parameters(cls: type) -> list[str]:
    """The named keyword parameters of ``cls``'s constructor."""
    return keyword_parameters(cls)


def known_arguments(model: str) -> list[str] | None:
    """The ``--model_args`` keys our lm-eval model ``model`` takes (None: not one we check:
    ``audiomcq-vllm`` passes the rest to vLLM's engine)."""
    from audiomcq_plugins.integrations.lm_eval.models import AudioMCQAPI, AudioMCQHF

    if model == "audiomcq-hf":
        return parameters(AudioMCQHF)
    if model == "audiomcq-api":
        from audiomcq_plugins.models.api import APIAudioLM

        return [*parameters(AudioMCQAPI), *parameters(APIAudioLM), *HARNESS_ARGS]
    return None
