"""The transformers releases the backends' wrappers were tested with, the guard that enforces
them, and the inventory of what the backends touch inside transformers' models and processors
(:data:`PATCHES`; the rule and the other adapters' tables: docs/architecture.md)."""

from __future__ import annotations

from audiomcq_plugins.versions import Patch, UntestedVersionError, installed_version

#: transformers releases the wrappers below were tested with: the range pyproject.toml's ``hf``
#: extra allows (tests/test_patch_inventory.py checks that the two agree).
TESTED_TRANSFORMERS = (">=5.0", "<5.30")

_GUARD = "models.compat.require_tested_transformers"
PATCHES: tuple[Patch, ...] = (
    Patch(
        "models/feature_cache.py: processor.feature_extractor",
        "wraps",
        "a clip repeated in a batch (the silent probe's one clip) is turned into features once",
        "when an HFAudioLM is built (feature_cache=True, the default)",
        _GUARD,
    ),
    Patch(
        "models/feature_cache.py: tower.forward",
        "wraps",
        "Qwen2-Audio's encoder runs once for a row repeated through a batch (ROW_ENCODERS)",
        "when an HFAudioLM is built on such a model",
        _GUARD,
    ),
    Patch(
        "models/encoder_prefetch.py: self.target.forward",
        "wraps",
        "the audio tower's output for a batch is computed in its encoding step (prefetch)",
        "when an HFAudioLM is built with prefetch_encoder=True",
        _GUARD,
    ),
    Patch(
        "models/encoder_prefetch.py: self.inner.get_audio_features",
        "wraps",
        "the Omni thinkers call their own get_audio_features: served from the prefetch",
        "when an HFAudioLM is built with prefetch_encoder=True on an Omni thinker",
        _GUARD,
    ),
    Patch(
        "models/encoder_prefetch.py: tower._get_feat_extract_output_lengths",
        "calls",
        "Qwen2-Audio's encoder output length for a feature mask (a private helper)",
        "in the prefetch of a Qwen2-Audio batch",
        _GUARD,
    ),
    Patch(
        "models/prefix_reuse.py: holder.rope_deltas",
        "replaces",
        "an Omni thinker's rope deltas (its state between forward calls) are those of the shared "
        "prefix's forward before each batch continues from the prefix's cache",
        "when an HFAudioLM with reuse_prefix=True (the default) runs a batch that shares a prefix",
        _GUARD,
    ),
    Patch(
        "workflows/tiny_recipe.py: processor.feature_extractor",
        "wraps",
        "the tiny recipe's processor pads features to 2 s, not 30 s (a processor we built)",
        "once, when the tiny recipe's model is built, before it is saved",
        "none: a public attribute of a processor of our own making",
    ),
)


class UnsupportedTransformersVersion(UntestedVersionError):
    """The installed transformers is outside the range the wrappers were tested with."""


def require_tested_transformers(what: str) -> str:
    """Return the installed transformers version, or raise
    :class:`UnsupportedTransformersVersion` naming ``what`` refused and the tested range."""
    from packaging.specifiers import SpecifierSet

    found = installed_version("transformers", ["5.24"], "hf", UnsupportedTransformersVersion)
    tested = SpecifierSet(",".join(TESTED_TRANSFORMERS))
    if found not in tested:
        raise UnsupportedTransformersVersion(
            f"audiomcq-plugins' {what} was tested with transformers {tested}, but transformers "
            f"{found} is installed. It wraps model and processor internals that change between "
            f"releases, so it refuses to run rather than misbehave. Install a tested version: "
            f"pip install 'transformers{tested}'"
        )
    return found
