"""What a benchmark is (:class:`BenchmarkSpec`), where its files are found, and what loading
it gives (:class:`LoadedBenchmark`).

Source resolution, first match wins:

1. an explicit ``source`` (a directory in the official layout, or its metadata file);
2. the ``data_dir`` option (the layout itself, or a folder holding ``<name>/``);
3. ``$AUDIOMCQ_DATA_DIR`` (the same two forms);
4. the Hugging Face Hub at the pinned revision, when online and ``huggingface_hub`` is
   installed (skipped when ``hub=False`` or ``HF_HUB_OFFLINE=1``);
5. otherwise :class:`DataNotFoundError`, saying what to download and where to put it.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from audiomcq_plugins.benchmarks.locate import (  # noqa: F401  (their home: locate.py)
    ENV_VAR,
    DataNotFoundError,
    Locating,
)
from audiomcq_plugins.benchmarks.normalize import Quirks
from audiomcq_plugins.benchmarks.records import SourceLayout
from audiomcq_plugins.cache import sha256_files
from audiomcq_plugins.items import Item, Problem, ValidationError

#: New tokens a model generates unless told otherwise (every backend and harness).
DEFAULT_MAX_NEW_TOKENS = 256
#: Generation settings of every task unless a spec overrides them (``spec.generation``):
#: greedy, up to DEFAULT_MAX_NEW_TOKENS new tokens, no stop strings besides the end of turn.
DEFAULT_GENERATION: Mapping[str, Any] = {
    "until": [],
    "max_gen_toks": DEFAULT_MAX_NEW_TOKENS,
    "do_sample": False,
}

#: A family reader: (spec, root, metadata files, quirks, options) -> items.
Reader = Callable[["BenchmarkSpec", Path, list[Path], Quirks, dict[str, Any]], list[Item]]


@dataclass
class LoadedBenchmark:
    """A benchmark's canonical items plus what results must record about them.

    ``items[i].audio`` is an :class:`~audiomcq_plugins.audioref.AudioRef`: a path relative to
    ``data_root`` or, for layouts that embed audio (MMSU's parquet), the bytes with their
    original name; both load with :func:`audiomcq_plugins.audio.load_audio`.
    """

    name: str
    items: list[Item]
    data_root: Path
    revision: str | None
    content_hash: str
    quirks: dict[str, Any]
    files: list[Path] = field(default_factory=list)

    def provenance(self) -> dict[str, Any]:
        """The fields every result file records about the benchmark it was computed on."""
        return {
            "benchmark": self.name,
            "revision": self.revision,
            "content_hash": self.content_hash,
            "pinned_content": self.quirks.get("content_hash_matches_pin"),
            "n_items": len(self.items),
        }


@dataclass(frozen=True)
class BenchmarkSpec(Locating):
    """A benchmark: identity, pinned source, how it is prompted and scored, how it loads
    (where its files are found: :class:`~audiomcq_plugins.benchmarks.locate.Locating`)."""

    name: str
    family: str
    split: str
    description: str
    reader: Reader
    #: glob patterns for the metadata file(s), tried in order under the source directory
    metadata: tuple[str, ...]
    #: what the user must download, shown when the data is not found
    layout: str
    hub_id: str | None = None
    #: the pinned source revision this project checked the loader against
    revision: str | None = None
    #: the Hub revision to download (a commit or tag); None = the default branch
    hub_revision: str | None = None
    #: glob patterns of the audio a Hub download fetches besides the metadata; None: the
    #: ``audio_dir`` / ``audio_root_template`` folder of ``source_layout`` (:meth:`hub_files`)
    hub_audio: tuple[str, ...] | None = None
    #: sha256 of the pinned metadata file, when known; recorded as ``content_hash_matches_pin``
    expected_sha256: str | None = None
    #: items of the pinned file: a file of that size with another hash is another release of
    #: the benchmark (warned about), not a subset or a fixture
    expected_items: int | None = None
    default_prompt: str = "r1aqa"
    official_scorer: str = "r1aqa-official"
    #: fields copied from each source record into the item's breakdown
    breakdowns: tuple[str, ...] = ()
    #: field -> its values, for the breakdowns every harness task reports one accuracy per
    #: value of (``acc_<field>_<value>``); each field must be one of ``breakdowns``
    breakdown_values: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    answers_withheld: bool = False
    #: the prediction-file format ``audiomcq score --benchmark NAME`` reads: one of
    #: :data:`audiomcq_plugins.scoring.formats.FORMATS` (mmau, mmar, mmsu), or None (no format)
    score_format: str | None = None
    #: overrides of :data:`DEFAULT_GENERATION` for this benchmark's generation tasks
    generation: Mapping[str, Any] = field(default_factory=dict)
    #: task groups the benchmark's tasks join (e.g. ``audio_mcq``; one group per variant)
    groups: tuple[str, ...] = ()
    #: how the source records are laid out: columns, audio folders (see :class:`SourceLayout`)
    source_layout: SourceLayout = field(default_factory=SourceLayout)
    #: default loader options (a family's own, e.g. the synthetic suite's ``n``); layout keys
    #: here are still read, with a deprecation warning: give them as ``source_layout``
    options: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        layout, rest = SourceLayout.from_options(self.options)
        if rest != self.options:
            moved = sorted(set(self.options) - set(rest))
            warnings.warn(
                f"benchmark {self.name!r}: layout keys {moved} in BenchmarkSpec.options are "
                "deprecated and will stop working in the next release; give them as "
                "source_layout=SourceLayout(...) (audiomcq_plugins.benchmarks.SourceLayout)",
                FutureWarning,
                stacklevel=3,
            )
            merged = {**layout.options(), **self.source_layout.options()}
            object.__setattr__(self, "source_layout", SourceLayout.from_options(merged)[0])
            object.__setattr__(self, "options", rest)
        for name in self.breakdown_values:
            if name not in self.breakdowns:
                raise ValueError(
                    f"benchmark {self.name!r}: breakdown_values names field {name!r}, which is "
                    f"not among breakdowns {self.breakdowns}; add it to breakdowns"
                )
        if self.score_format is not None:
            from audiomcq_plugins.scoring.formats import FORMATS

            if self.score_format not in FORMATS:
                raise ValueError(
                    f"benchmark {self.name!r}: score_format {self.score_format!r} is not a "
                    f"prediction format; use one of {', '.join(FORMATS)} or None"
                )

    @property
    def generation_settings(self) -> dict[str, Any]:
        """:data:`DEFAULT_GENERATION` with this benchmark's overrides applied."""
        return {**DEFAULT_GENERATION, **self.generation}

    # -- loading ------------------------------------------------------------------------

    def load(self, source: str | os.PathLike | None = None, **options: Any) -> LoadedBenchmark:
        """Read and normalise the benchmark into canonical items.

        Options: ``data_dir``, ``hub`` (see :meth:`locate`); ``skip_invalid=True`` drops items
        whose answer is not among their choices instead of raising (they are listed in
        ``quirks["skipped"]``); ``audio_base`` (the directory audio paths are relative to, by
        default the metadata's directory); ``fields`` ({canonical field: source column}) and
        the family's own options (see :mod:`audiomcq_plugins.benchmarks.records`).
        """
        opts = {**self.source_layout.options(), **self.options, **options}
        root, files = self.locate(
            source, data_dir=opts.pop("data_dir", None), hub=opts.pop("hub", None)
        )
        skip_invalid = bool(opts.pop("skip_invalid", False))
        # Layouts whose audio lives elsewhere (AudioMCQ's source corpora) name their own root.
        root = Path(opts.pop("audio_base", None) or root).expanduser()
        quirks = Quirks()
        items = self.reader(self, root, files, quirks, opts)
        bad = set(quirks.fatal_ids())
        if bad and not skip_invalid:
            problems = [
                Problem(
                    it.id,
                    "answer",
                    it.answer,
                    f"is not one of the choices {it.choices}; fix the source or load with "
                    "skip_invalid=True (--skip-invalid) to leave such items out",
                )
                for it in items
                if it.id in bad
            ]
            raise ValidationError(problems, what=f"benchmark {self.name} ({files[0]})")
        if bad:
            items = [it for it in items if it.id not in bad]
        summary = quirks.summary()
        summary["items"] = len(items)
        summary["skipped"] = sorted(bad)
        digest = sha256_files(files)
        if self.expected_sha256:
            summary["content_hash_matches_pin"] = digest == self.expected_sha256
            if digest != self.expected_sha256 and len(items) + len(bad) == self.expected_items:
                warnings.warn(
                    f"{self.name}: {files[0]} is a full release but not the pinned one "
                    f"({self.revision}; sha256 {digest[:12]}... differs): the benchmark's "
                    "metadata changed between releases, so its numbers are not comparable "
                    "with results on the pinned one (recorded as pinned_content: false)",
                    UserWarning,
                    stacklevel=2,
                )
        return LoadedBenchmark(
            name=self.name,
            items=items,
            data_root=root.resolve(),
            revision=self.revision,
            content_hash=digest,
            quirks=summary,
            files=files,
        )


def get_spec(name: str) -> BenchmarkSpec:
    """A registered benchmark by name (built-in or from a plugin)."""
    from audiomcq_plugins import plugins

    return plugins.get("benchmarks", name)


def load_benchmark(
    name: str, source: str | os.PathLike | None = None, **options: Any
) -> LoadedBenchmark:
    """Shorthand for ``get_spec(name).load(source, **options)``."""
    return get_spec(name).load(source, **options)
