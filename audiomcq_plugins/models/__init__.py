"""Audio LM backends and tiny offline test models.

- :mod:`audiomcq_plugins.models.tiny`: ``build_tiny_model(arch, out_dir)``.
- :mod:`audiomcq_plugins.models.processors`: ``load_processor(path)`` (Omni without torchvision).
- :mod:`audiomcq_plugins.models.hf`: batched generation and option scoring with transformers.

Nothing here imports torch or transformers at import time.
"""
