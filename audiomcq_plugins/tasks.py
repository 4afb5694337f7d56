"""The evaluation tasks, derived from the benchmark registry: one home for every harness.

Each registered benchmark (built-in or from a plugin) gives one task per applicable
:class:`Variant`: ``<name>`` (the clip, a generated answer), ``<name>_silent`` (the clip
replaced by silence), ``<name>_loglik`` (options scored by likelihood; only where answers
are shipped), ``<name>_text`` (no audio at all: the text-only probe), ``<name>_acstrong``
and ``<name>_acweak`` (only the items labelled strong / weak audio contribution),
``<name>_circular`` / ``<name>_perm`` (each item under every cyclic rotation / under k seeded
permutations of its options: :mod:`audiomcq_plugins.permutations`). Harness adapters (lm-eval
YAMLs, lighteval's table) render :func:`task_defs` and :func:`groups`; nothing here imports a
harness.

A new variant is one row of :data:`VARIANTS` plus what it needs from the dataset loader or the
metrics (its :attr:`Variant.options` reach the loader as task metadata).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from audiomcq_plugins import permutations, plugins

#: ``none``: no audio at all (the text-only probe of audio-contribution filtering).
AUDIO_MODES = ("clip", "silence", "noise", "none")
OUTPUTS = ("generate", "loglik")


@dataclass(frozen=True)
class Variant:
    """One way of running a benchmark as a task."""

    #: appended to the benchmark name as ``_<suffix>``; "" for the plain task
    suffix: str
    #: what the model hears: the clip, or an ablation (see :mod:`audiomcq_plugins.audio`)
    audio: str = "clip"
    #: "generate" (free-text answer, scored by the scorers) or "loglik" (options by likelihood)
    output: str = "generate"
    #: only for benchmarks that ship their answers (likelihood scoring needs the gold option)
    needs_answers: bool = False
    #: whether task groups (e.g. ``audio_mcq``) get a ``<group>_<suffix>`` of this variant
    grouped: bool = True
    #: extra task metadata handed to the dataset loader (e.g. a subset to keep)
    options: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if self.audio not in AUDIO_MODES:
            raise ValueError(f"variant {self.suffix!r}: audio must be one of {AUDIO_MODES}")
        if self.output not in OUTPUTS:
            raise ValueError(f"variant {self.suffix!r}: output must be one of {OUTPUTS}")

    @property
    def permuted(self) -> bool:
        """Whether each item is asked under several option orders (``options["permute"]``)."""
        return "permute" in self.options

    def name(self, base: str) -> str:
        """The task (or group) name of this variant of ``base``."""
        return f"{base}_{self.suffix}" if self.suffix else base

    def applies(self, spec: Any) -> bool:
        """Whether benchmark ``spec`` gets this variant."""
        return not (self.needs_answers and spec.answers_withheld)


VARIANTS: tuple[Variant, ...] = (
    Variant(""),
    Variant("silent", audio="silence"),
    Variant("loglik", output="loglik", needs_answers=True, grouped=False),
    # Audio-contribution filtering: the text-only probe, and the labelled weak/strong subsets
    # (labels from ``audiomcq contribution label`` or shipped by the dataset).
    Variant("text", audio="none", grouped=False),
    Variant("acstrong", needs_answers=True, options={"subset": "strong"}),
    Variant("acweak", needs_answers=True, options={"subset": "weak"}),
    Variant("circular", needs_answers=True, grouped=False, options={"permute": "circular"}),
    Variant(
        "perm",
        needs_answers=True,
        grouped=False,
        options={
            "permute": "random",
            "permutations": permutations.DEFAULT_PERMUTATIONS,
            "permutation_seed": permutations.DEFAULT_SEED,
        },
    ),
)


@dataclass(frozen=True)
class TaskDef:
    """One evaluation task: a benchmark under a variant, with everything a harness needs."""

    name: str
    benchmark: str
    variant: Variant
    #: field -> values; one ``acc_<field>_<value>`` metric per value
    breakdowns: dict[str, tuple[str, ...]]
    prompt_format: str
    official_scorer: str
    #: generation settings (``until``, ``max_gen_toks``, ``do_sample``, ...)
    generation: dict[str, Any]
    #: False when the benchmark's answers are withheld (metrics are NaN, predictions only)
    answers: bool = True
    #: the groups this task belongs to (already variant-suffixed)
    groups: tuple[str, ...] = ()


_WARNED: set[str] = set()


def _warn_unreported_breakdowns(spec: Any) -> None:
    """Once per plugin benchmark: breakdown fields without declared values get no per-value
    metric in any harness (``audiomcq score`` still reports them). The built-ins' choices are
    documented in docs/benchmarks.md."""
    missing = [f for f in spec.breakdowns if f not in spec.breakdown_values]
    if missing and spec.name not in _WARNED:
        _WARNED.add(spec.name)
        warnings.warn(
            f"benchmark {spec.name!r}: breakdown field(s) {', '.join(missing)} have no "
            "breakdown_values, so harness tasks report no acc_<field>_<value> for them "
            "(audiomcq score does); declare breakdown_values in its BenchmarkSpec to get them",
            UserWarning,
            stacklevel=3,
        )


def _benchmark_specs(builtin_only: bool) -> list[Any]:
    """Registered benchmarks, in registration order (built-ins first)."""
    entries = plugins.registry("benchmarks").entries.values()
    specs = []
    for e in entries:
        if e.plugin in plugins.BUILTIN_PLUGINS:
            specs.append(e.value)
        elif not builtin_only:
            _warn_unreported_breakdowns(e.value)
            specs.append(e.value)
    return specs


def task_def(spec: Any, variant: Variant) -> TaskDef:
    """The task of benchmark ``spec`` under ``variant``."""
    return TaskDef(
        name=variant.name(spec.name),
        benchmark=spec.name,
        variant=variant,
        breakdowns={f: tuple(v) for f, v in spec.breakdown_values.items()},
        prompt_format=spec.default_prompt,
        official_scorer=spec.official_scorer,
        generation=spec.generation_settings,
        answers=not spec.answers_withheld,
        groups=tuple(variant.name(g) for g in spec.groups) if variant.grouped else (),
    )


def task_defs(*, builtin_only: bool = False) -> list[TaskDef]:
    """Every task: each registered benchmark (or each built-in one) under each variant that
    applies to it."""
    return [
        task_def(spec, variant)
        for spec in _benchmark_specs(builtin_only)
        for variant in VARIANTS
        if variant.applies(spec)
    ]


def groups(tasks: Iterable[TaskDef] | None = None) -> dict[str, list[str]]:
    """Group name -> member task names (``audio_mcq``, ``audio_mcq_silent``, ...), over
    ``tasks`` (default: :func:`task_defs`)."""
    out: dict[str, list[str]] = {}
    for task in task_defs() if tasks is None else tasks:
        for group in task.groups:
            out.setdefault(group, []).append(task.name)
    return out


def get_task(name: str) -> TaskDef:
    """One task by name; unknown names list the known ones."""
    defs = {t.name: t for t in task_defs()}
    if name not in defs:
        raise plugins.UnknownNameError(
            f"unknown task {name!r}; known: {', '.join(sorted(defs))} "
            "(a benchmark's tasks appear once its plugin is installed)"
        )
    return defs[name]
