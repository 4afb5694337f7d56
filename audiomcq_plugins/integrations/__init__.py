"""Harness adapters. Each imports only the core and its own harness, lazily: ``lm_eval`` (tasks
and audio model classes for lm-evaluation-harness) and ``trl`` (audio-aware trainers, data and
recipes for TRL)."""
