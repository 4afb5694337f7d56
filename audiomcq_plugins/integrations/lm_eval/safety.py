"""Audio-safe ``--use_cache`` and ``--log_samples`` for lm-eval.

- Cache keys: lm-eval hashes request arguments with ``json.dumps`` and a default handler that
  knows bytes and PIL images only, so a request carrying a numpy waveform crashes
  ``--use_cache``. :func:`install` extends that handler (once, idempotently) to hash arrays by
  content, as ``{"sha256", "n_samples"}``. Our model classes install it when they are built,
  on the lm-eval versions in :data:`.compat.TESTED_LM_EVAL_VERSIONS` only.
- Logged samples: our model classes replace each waveform in a request by the same
  ``{"sha256", "n_samples"}`` once it has been used (:func:`scrub`), so ``--log_samples``
  records references and hashes, never waveforms, and the cache key computed after the run
  equals the one computed before it. Our own tasks send references, not waveforms, anyway.
"""

from __future__ import annotations

from typing import Any

from audiomcq_plugins.models.requests import array_ref, audio_log_ref


def install() -> None:
    """Extend lm-eval's cache-key JSON handler to numpy arrays (idempotent); raises
    :class:`~.compat.UnsupportedLMEvalVersion` on an untested lm-eval."""
    import numpy as np
    from lm_eval.api import model as lm_model

    from audiomcq_plugins.integrations.lm_eval.compat import require_tested_lm_eval

    require_tested_lm_eval("audio-safe cache key")
    original = lm_model._multimodal_cache_default
    if getattr(original, "_audiomcq", False):
        return

    def default(obj: Any) -> Any:
        if isinstance(obj, np.ndarray):
            return array_ref(obj)
        if isinstance(obj, np.generic):
            return obj.item()
        return original(obj)

    default._audiomcq = True  # type: ignore[attr-defined]
    lm_model._multimodal_cache_default = default


def scrub(instance: Any) -> None:
    """Replace waveforms in an lm-eval Instance's multimodal argument by their hashes."""
    args = instance.arguments
    if not isinstance(args, tuple) or not args or not isinstance(args[-1], dict):
        return
    mm = args[-1]
    if "audio" not in mm:
        return
    clean = {**mm, "audio": [audio_log_ref(entry) for entry in mm["audio"]]}
    instance.arguments = (*args[:-1], clean)
