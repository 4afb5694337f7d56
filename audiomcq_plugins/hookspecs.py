"""Hook specifications: everything a plugin can add to audiomcq-plugins.

A plugin is any module or object with functions decorated by :data:`hookimpl` (also importable
as ``audiomcq_plugins.hookimpl``), registered through the ``audiomcq`` entry-point group::

    # pyproject.toml of a third-party package
    [project.entry-points.audiomcq]
    my_plugin = "my_package.audiomcq_plugin"

Every ``register_*`` hook has one shape: it receives a ``register`` callable and calls
``register(name, value)`` once per thing it contributes. Names are global within their kind:
registering a name that another plugin (or the same one) already registered raises
:class:`audiomcq_plugins.plugins.DuplicateNameError` naming both plugins. The built-in
benchmarks, prompt formats, scorers, rewards and samplers are registered through these same
hooks. Hooks are called lazily, the first time a registry of their kind is used, so they must
be cheap: import heavy libraries inside the registered functions, not in the hook.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pluggy

hookspec = pluggy.HookspecMarker("audiomcq")
#: Decorator for hook implementations in plugins.
hookimpl = pluggy.HookimplMarker("audiomcq")


@hookspec
def register_benchmarks(register: Callable[[str, Any], None]) -> None:
    """Register benchmark specifications.

    :param register: call ``register(spec.name, spec)`` once per benchmark, with a
        :class:`audiomcq_plugins.benchmarks.BenchmarkSpec`. The name is the key used by
        ``audiomcq prepare``, ``audiomcq score --benchmark`` and the harness tasks;
        ``spec.reader(spec, root, metadata_files, quirks, options)`` turns the benchmark's
        source files into canonical :class:`audiomcq_plugins.items.Item` records. Every
        registered benchmark gets the harness task ``<name>`` and one per applicable variant
        (``<name>_silent``, ...: :data:`audiomcq_plugins.tasks.VARIANTS`), with
        ``spec.breakdown_values``, ``spec.generation`` and ``spec.groups``; ``family`` is a
        free label and ``score_format`` says which prediction files ``audiomcq score`` reads.
    :returns: nothing; the return value is ignored.

    Not firstresult: every plugin's implementation is called.
    """


@hookspec
def register_prompt_formats(register: Callable[[str, Callable[..., str]], None]) -> None:
    """Register prompt formats.

    :param register: call ``register(name, fn)`` where
        ``fn(question: str, choices: Sequence[str]) -> str`` renders the user-turn text of one
        item (the audio reaches the model separately). It must accept 2 to 8 choices or raise
        ``ValueError`` naming what it accepts.
    :returns: nothing; the return value is ignored.

    Not firstresult: every plugin's implementation is called.
    """


@hookspec
def register_scorers(register: Callable[[str, Any], None]) -> None:
    """Register answer matchers (scorers).

    :param register: call ``register(name, scorer)`` where
        ``scorer(prediction, choices, answer) -> Verdict`` (see
        :class:`audiomcq_plugins.scoring.Verdict`: ``correct``, ``parsed``, ``counted`` -- False
        when an official script would drop the item -- and ``choice``, the option index the
        output was read as). A scorer must not raise on any string and must never guess: an
        output it cannot map is ``parsed=False`` and counted wrong.
    :returns: nothing; the return value is ignored.

    Not firstresult: every plugin's implementation is called.
    """


@hookspec
def register_embedders(register: Callable[[str, Callable[..., Any]], None]) -> None:
    """Register text embedders for embedding matchers (MMAU-Pro's ``mmau-pro-official``).

    :param register: call ``register(name, embed)`` where ``embed(texts: list[str])`` returns
        an array-like of shape ``(len(texts), dim)``, one row per text. Rows are L2-normalised
        by the matcher. ``$AUDIOMCQ_EMBEDDER=<name>`` makes ``mmau-pro-official`` use it.
    :returns: nothing; the return value is ignored.

    Not firstresult: every plugin's implementation is called.
    """


@hookspec
def register_rewards(register: Callable[[str, Callable[..., list]], None]) -> None:
    """Register reward functions for RL post-training (TRL's reward contract).

    :param register: call ``register(name, fn)`` where
        ``fn(prompts, completions, completion_ids=None, **kwargs) -> list[float | None]``.
        ``completions`` are strings or conversational message lists; ``kwargs`` holds every
        dataset column (``solution``, ``choices``, ``audio_contribution``, ...) plus
        ``trainer_state``, and must be accepted even when unused. ``None`` skips a sample.
        Registered names can be used in ``reward_funcs`` of ``audiomcq train grpo`` recipes.
    :returns: nothing; the return value is ignored.

    Not firstresult: every plugin's implementation is called.
    """


@hookspec
def register_samplers(register: Callable[[str, Callable[..., Any]], None]) -> None:
    """Register training-data samplers.

    :param register: call ``register(name, factory)`` where ``factory(dataset, *,
        mini_repeat_count=1, batch_size=1, repeat_count=1, shuffle=True, seed=0, **options)``
        returns a ``torch.utils.data.Sampler`` with the repetition structure of TRL's
        ``RepeatSampler`` (see :mod:`audiomcq_plugins.samplers`). Every process builds it with
        the same seed and must yield the same sequence. Import torch inside the factory so that
        registration stays cheap.
    :returns: nothing; the return value is ignored.

    Not firstresult: every plugin's implementation is called.
    """


@hookspec
def register_commands(register: Callable[[str, Callable[[Any], None]], None]) -> None:
    """Register ``audiomcq`` subcommands.

    :param register: call ``register(name, configure)`` once per subcommand, where
        ``configure(parser)`` receives the :class:`argparse.ArgumentParser` of
        ``audiomcq <name>`` (its help is the first line of ``configure``'s docstring, its
        description the rest), adds its arguments and sets
        ``parser.set_defaults(func=run)``; ``run(args) -> int | None`` is called with the
        parsed arguments and its result is the exit status. Raise ``ValueError`` (or
        :class:`audiomcq_plugins.cli.CLIError`) for a user mistake: the CLI prints it in one
        line with exit status 2. A name that a built-in command uses is an error.
    :returns: nothing; the return value is ignored.

    Not firstresult: every plugin's implementation is called.
    """


@hookspec(firstresult=True)
def load_audio(source: Any, data_root: str | None, item_id: str | None, mono: str) -> Any:
    """Decode one clip, or return ``None`` to let the next implementation try.

    :param source: an item's :class:`~audiomcq_plugins.audioref.AudioRef` (``.path`` relative
        to ``data_root``, or embedded ``.data`` bytes with ``.path`` their original name); from
        direct callers also a path, encoded bytes, or a dict with ``bytes``, ``path`` or
        ``array`` + ``sampling_rate``.
    :param data_root: the directory paths are resolved under (never escape it).
    :param item_id: the item's id, for error messages.
    :param mono: ``"mean"`` (average the channels) or ``"first"`` (first channel, as R1-AQA).
    :returns: an :class:`audiomcq_plugins.audio.Audio` (mono float32 at 16 kHz), or ``None``.
    :raises audiomcq_plugins.audio.AudioError: naming the item, when the clip is yours but
        unreadable.

    firstresult: the first non-``None`` result wins; the built-in decoder (soundfile + soxr)
    runs last, so a plugin can serve custom storage (object stores, archives) first.
    """
