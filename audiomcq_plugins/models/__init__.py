"""Audio LM backends and tiny offline test models.

- :mod:`audiomcq_plugins.models.tiny`: ``build_tiny_model(arch, out_dir)``.
- :mod:`audiomcq_plugins.models.processors`: ``load_processor(path)`` (Omni without torchvision).
- :mod:`audiomcq_plugins.models.facts`: architecture -> model/processor classes, ``model_type``.
- :mod:`audiomcq_plugins.models.hf`: batched generation and option scoring with transformers
  (:mod:`.loading`, :mod:`.batching`, :mod:`.loglik` are its parts).
- :mod:`audiomcq_plugins.models.thinker`: extract the thinker of a full Omni checkpoint.
- :mod:`audiomcq_plugins.models.api`: an OpenAI-compatible chat-completions server (vLLM,
  SGLang, hosted models), over :mod:`audiomcq_plugins.models.api_client` (retries, keys).

Nothing here imports torch or transformers at import time.
"""
