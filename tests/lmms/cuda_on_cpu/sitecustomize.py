"""Lets lmms-eval's own audio models run unmodified on a machine without CUDA, for the tests.

Put this folder on ``PYTHONPATH`` (or call :func:`install`). With ``device=cpu,device_map=auto``
the constructors of lmms-eval's ``qwen2_audio`` and ``qwen2_5_omni`` load the model on the CPU;
only their ``generate_until`` then sends the processor's batch to ``"cuda"`` by name
(``inputs.to("cuda")``). Where CUDA is not available, this keeps such a batch on the CPU and
changes nothing else: their prompts, resampling, generation and decoding run as shipped.
"""

from __future__ import annotations


def _cpu_if_cuda(value):
    return "cpu" if isinstance(value, str) and value.startswith("cuda") else value


def install() -> bool:
    """Patch ``BatchFeature.to``/``BatchEncoding.to``; True when CUDA is absent and it patched."""
    import torch

    if torch.cuda.is_available():
        return False
    from transformers.feature_extraction_utils import BatchFeature
    from transformers.tokenization_utils_base import BatchEncoding

    for cls in (BatchFeature, BatchEncoding):
        if getattr(cls.to, "_audiomcq_cuda_on_cpu", False):
            continue
        original = cls.to

        def to(self, *args, _original=original, **kwargs):
            args = tuple(_cpu_if_cuda(a) for a in args)
            if "device" in kwargs:
                kwargs["device"] = _cpu_if_cuda(kwargs["device"])
            return _original(self, *args, **kwargs)

        to._audiomcq_cuda_on_cpu = True
        cls.to = to
    return True


install()
