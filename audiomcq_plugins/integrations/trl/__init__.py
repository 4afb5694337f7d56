"""TRL integration: audio-aware SFT and GRPO (see ``docs/trl.md``).

- :mod:`.data`: canonical items -> TRL-ready JSONL, and its validation.
- :mod:`.grpo_mixin`: :class:`~.grpo_mixin.AudioGRPOMixin`, the audio support for
  ``GRPOTrainer``; :mod:`.grpo`: ``AudioGRPOTrainer``, ``AudioGRPOConfig``, the GRPO script.
- :mod:`.patch` / :mod:`.rewards`: the same support installed into TRL's own ``GRPOTrainer`` for
  the literal ``trl grpo`` CLI (importing ``.rewards`` installs it; guarded by :mod:`.compat`).
- :mod:`.sft`: ``AudioSFTCollator``, ``AudioSFTTrainer``, the SFT script.
- :mod:`.audio_inputs`, :mod:`.reuse`, :mod:`.settings`, :mod:`.loading`: shared pieces.

Nothing here is imported by ``import audiomcq_plugins``; submodules import TRL lazily or at
their own top level.
"""
