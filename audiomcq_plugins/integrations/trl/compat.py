"""The TRL versions the audio trainers were tested against, and the guard that enforces them.

The audio support overrides private methods of TRL's ``GRPOTrainer`` (``_tokenize_prompts``,
``_get_per_token_logps_and_entropies``, ...) whose signatures change between releases, so it
refuses to run on a TRL it was not tested with rather than silently training without audio.
"""

from __future__ import annotations

from audiomcq_plugins.versions import (
    Patch,
    UntestedVersionError,
    installed_version,
    require_tested,
)

_GUARD = "integrations.trl.compat.require_tested_trl"
_MIXIN = "integrations/trl/grpo_mixin.py: AudioGRPOMixin."
PATCHES: tuple[Patch, ...] = (
    Patch(
        "integrations/trl/patch.py: GRPOTrainer.__new__",
        "replaces",
        "the literal `trl grpo` builds TRL's GRPOTrainer: it then builds our AudioGRPOTrainer",
        "on importing integrations.trl.rewards (a recipe's reward_funcs): the one patch "
        "installed on import, by design, as no other code of ours runs inside `trl grpo`",
        _GUARD,
    ),
    Patch(
        "integrations/trl/patch.py: GRPOTrainer._MARK",
        "replaces",
        "marks GRPOTrainer as patched (install is idempotent, uninstall exact)",
        "with the patch above",
        _GUARD,
    ),
    Patch(
        "integrations/trl/reuse.py: module.forward",
        "wraps",
        "in training, each distinct clip of a batch goes through the audio tower once",
        "when an audio trainer starts (audio_encoder_reuse, default true)",
        _GUARD + " and models.compat.require_tested_transformers",
    ),
    Patch(
        "integrations/trl/reuse.py: module._get_feat_extract_output_lengths",
        "calls",
        "how many encoder frames a clip's features give (a private helper of the towers)",
        "with the reuse above",
        _GUARD + " and models.compat.require_tested_transformers",
    ),
    Patch(
        "integrations/trl/shared_prefill.py: model.generate",
        "wraps",
        "GRPO generation prefills each distinct prompt once and continues its num_generations "
        "rows from that cache (an instance attribute, removed when generation ends)",
        "in AudioGRPOTrainer's generation of audio prompts (shared_prefill, default true)",
        _GUARD + " and models.compat.require_tested_transformers",
    ),
    Patch(
        "integrations/trl/shared_prefill.py: holder.rope_deltas",
        "replaces",
        "an Omni thinker's rope deltas from the shared prefill, one per prompt, repeated to its "
        "rows as the cache is",
        "with the wrap above, on Omni thinkers",
        _GUARD + " and models.compat.require_tested_transformers",
    ),
    *(
        Patch(
            f"{_MIXIN}{name}",
            "overrides",
            why,
            "in AudioGRPOTrainer (our entry point, and the literal CLI through the patch)",
            _GUARD,
        )
        for name, why in (
            ("_get_train_sampler", "a registered sampler (curriculum, ...) replaces TRL's"),
            ("_tokenize_prompts", "prompts are tokenized with their audio by the processor"),
            ("_generate_single_turn", "generation gets the audio features"),
            ("_generate_and_score_completions", "contribution weights and audio kept per row"),
            ("_compute_loss", "advantages weighted by audio contribution"),
            ("_get_per_token_logps_and_entropies", "every training forward gets its audio"),
        )
    ),
)

#: TRL releases the audio trainers were tested with (tests/test_trl_grpo*.py, test_trl_sft*.py).
TESTED_TRL_VERSIONS: tuple[str, ...] = ("1.16.0",)


class UnsupportedTRLVersion(UntestedVersionError):
    """The installed TRL is not one the audio trainers were tested with."""


def installed_trl_version() -> str:
    return installed_version("trl", TESTED_TRL_VERSIONS, "trl", UnsupportedTRLVersion)


def require_tested_trl() -> str:
    """Return the installed TRL version, or raise :class:`UnsupportedTRLVersion`."""
    return require_tested(
        "trl",
        installed_trl_version(),
        TESTED_TRL_VERSIONS,
        what="audio support for TRL",
        why="It overrides TRL internals that change between releases, so it refuses to run "
        "rather than train without audio.",
        error=UnsupportedTRLVersion,
    )
