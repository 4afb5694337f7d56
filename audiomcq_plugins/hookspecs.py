"""Hook specifications: everything a plugin can add to audiomcq-plugins.

A plugin is any module or object with functions decorated by :data:`audiomcq_plugins.hookimpl`,
registered through the ``audiomcq`` entry-point group::

    # pyproject.toml of a third-party package
    [project.entry-points.audiomcq]
    my_plugin = "my_package.audiomcq_plugin"

The ``register_*`` hooks follow one pattern: the hook receives a ``register`` callable and calls
it once per thing it contributes. Names are global: registering a name that another plugin (or
the same one) already registered raises :class:`audiomcq_plugins.plugins.DuplicateNameError`
naming both plugins. The built-in benchmarks, prompt formats, scorers, rewards and samplers are
registered through these same hooks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pluggy

hookspec = pluggy.HookspecMarker("audiomcq")


@hookspec
def register_benchmarks(register: Callable[[Any], None]) -> None:
    """Register benchmark specifications.

    Call ``register(spec)`` with a :class:`audiomcq_plugins.benchmarks.BenchmarkSpec` for each
    benchmark. ``spec.name`` is the key used by ``audiomcq prepare``, ``audiomcq score
    --benchmark`` and the harness tasks; the spec's loader turns the benchmark's source files
    into canonical :class:`audiomcq_plugins.items.Item` records.

    Not firstresult: every plugin's implementation is called.
    """


@hookspec
def register_prompt_formats(register: Callable[[str, Callable[..., str]], None]) -> None:
    """Register prompt formats.

    Call ``register(name, fn)`` where ``fn(question: str, choices: Sequence[str]) -> str``
    renders the user-turn text for one item (the audio is passed separately by the model).

    Not firstresult: every plugin's implementation is called.
    """


@hookspec
def register_scorers(register: Callable[[str, Any], None]) -> None:
    """Register answer matchers (scorers).

    Call ``register(name, scorer)`` where ``scorer(prediction, choices, answer)`` returns a
    :class:`audiomcq_plugins.scoring.Verdict` (correct, parsed, counted, chosen option).

    Not firstresult: every plugin's implementation is called.
    """


@hookspec
def register_rewards(register: Callable[[str, Callable[..., list]], None]) -> None:
    """Register reward functions for RL post-training (TRL's reward contract).

    Call ``register(name, fn)`` where
    ``fn(prompts, completions, completion_ids=None, **kwargs) -> list[float | None]``; ``kwargs``
    holds every dataset column (``solution``, ``choices``, ``audio_contribution``, ...).

    Not firstresult: every plugin's implementation is called.
    """


@hookspec
def register_samplers(register: Callable[[str, Callable[..., Any]], None]) -> None:
    """Register training-data samplers.

    Call ``register(name, factory)`` where ``factory(dataset, **options)`` returns an iterable
    of dataset indices (a ``torch.utils.data.Sampler`` in practice). Factories must import torch
    lazily so that registration stays cheap.

    Not firstresult: every plugin's implementation is called.
    """


@hookspec(firstresult=True)
def load_audio(source: Any, data_root: str | None, item_id: str | None, mono: str) -> Any:
    """Decode one clip, or return ``None`` to let the next implementation try.

    ``source`` is what the item's ``audio`` field holds (a relative path, bytes, or a dict
    with ``bytes``/``path``/``array``); ``data_root`` is the directory paths are resolved under;
    ``mono`` is ``"mean"`` (average the channels) or ``"first"`` (first channel, as R1-AQA).
    Return an :class:`audiomcq_plugins.audio.Audio` (mono float32 at 16 kHz), or raise
    :class:`audiomcq_plugins.audio.AudioError` naming the item.

    firstresult: the first non-``None`` result wins; the built-in decoder (soundfile + soxr)
    runs last, so a plugin can serve custom storage (object stores, archives) first.
    """
