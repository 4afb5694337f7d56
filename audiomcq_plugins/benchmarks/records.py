"""The reader every family shares: source records + a field map -> canonical items.

A field map says which source column holds each canonical field::

    {"id": "id", "audio": "audio_path", "question": "question_text",
     "choices": "multi_choice",              # or a list of columns: ["choice_a", ...]
     "answer": "answer", "audio_contribution": "audio-contribution"}

Users override it with the ``fields`` option when their copy names a column differently.
Breakdown fields are read under the spec's ``breakdowns`` names when present. CoT fields come
from the ``cot_fields`` option ({name: column}, required when given) or, by default, from every
column whose name contains ``cot``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from audiomcq_plugins.benchmarks.normalize import Quirks, make_item, relative_audio
from audiomcq_plugins.items import Item
from audiomcq_plugins.recordfiles import read_records

if TYPE_CHECKING:
    from audiomcq_plugins.benchmarks.spec import BenchmarkSpec

REQUIRED = ("id", "audio", "question", "choices", "answer")
SHOWN = 5
#: Keys under which a JSON metadata file may hold its list of records.
WRAPPERS = ("data",)


@dataclass(frozen=True)
class SourceLayout:
    """How a benchmark's source records are laid out: a spec's ``source_layout``, read by
    :func:`read_mapped` (through :meth:`options`, the keys a user's loader options extend).

    - ``fields``: canonical field -> source column, or a list of columns for ``choices``
      (``{"id": "id", "audio": "audio_path", "choices": ["choice_a", "choice_b"], ...}``);
      users override single columns with ``--field FIELD=COLUMN`` / ``fields=``.
    - ``audio_dir``: the folder under the data root that the audio paths are relative to.
    - ``audio_roots``: a record's ``audio_root_key`` value -> its own audio folder (several
      source corpora in one benchmark); ``audio_root_template``: the same as a format string
      over the record's text fields (``"audio/{source_dataset}"``).
    - ``default_contribution``: the audio contribution of items whose record has none.
    - ``cot_fields``: chain-of-thought name -> column, required in every record; by default
      every column whose name contains ``cot`` is kept.
    """

    fields: Mapping[str, str | list[str]] = field(default_factory=dict)
    audio_dir: str | None = None
    audio_roots: Mapping[str, str] | None = None
    audio_root_template: str | None = None
    audio_root_key: str = "source_dataset"
    default_contribution: str | None = None
    cot_fields: Mapping[str, str] | None = None

    #: The loader-option key each field used to be given under (``BenchmarkSpec.options``).
    OPTION_KEYS: ClassVar[dict[str, str]] = {"fields": "default_fields"}

    def options(self) -> dict[str, Any]:
        """The layout as the reader's option keys (unset fields left out)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None and value != f.default and value != {}:
                out[self.OPTION_KEYS.get(f.name, f.name)] = value
        return out

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> tuple[SourceLayout, dict[str, Any]]:
        """Split an old-style options dict into (its layout, the remaining loader options)."""
        by_key = {cls.OPTION_KEYS.get(f.name, f.name): f.name for f in fields(cls)}
        layout = {by_key[k]: v for k, v in options.items() if k in by_key}
        rest = {k: v for k, v in options.items() if k not in by_key}
        return cls(**layout), rest


class MissingColumnError(KeyError):
    """A required column is absent; names the column, the file and the first items."""

    def __str__(self) -> str:
        return str(self.args[0])


def _get(rec: dict[str, Any], column: str | list[str]) -> Any:
    if isinstance(column, list):
        return [rec.get(c) for c in column]
    return rec.get(column)


def _has(rec: dict[str, Any], column: str | list[str]) -> bool:
    cols = column if isinstance(column, list) else [column]
    return all(c in rec for c in cols)


def check_columns(
    records: Iterable[dict[str, Any]], fields: dict[str, Any], required: Iterable[str], where: str
) -> None:
    """Raise :class:`MissingColumnError` naming every required column some record lacks."""
    missing: dict[str, list[str]] = {}
    for n, rec in enumerate(records):
        for name in required:
            col = fields[name]
            if not _has(rec, col):
                label = str(rec.get(fields.get("id", "id"), f"#{n}"))
                missing.setdefault(f"{name} (column {col!r})", []).append(label)
    if missing:
        lines = "; ".join(
            f"{what} missing in {len(ids)} record(s), e.g. {', '.join(ids[:SHOWN])}"
            for what, ids in missing.items()
        )
        raise MissingColumnError(
            f"{where}: {lines}. If your copy names the column differently, map it with "
            f"fields={{'<field>': '<column>'}} (CLI: --field FIELD=COLUMN)"
        )


def audio_ref(value: Any, root: Path, rec: dict[str, Any], opts: dict[str, Any]) -> Any:
    """A record's audio path made relative to the data root (see the family options
    ``audio_dir`` and ``audio_roots``); embedded audio is passed on as it is, and the item
    turns either into an :class:`~audiomcq_plugins.audioref.AudioRef`. A list of clips (a
    multi-clip item) gives a list, each clip placed the same way."""
    if isinstance(value, (list, tuple)):
        return [audio_ref(v, root, rec, opts) for v in value]
    roots: dict[str, str] | None = opts.get("audio_roots")
    template: str | None = opts.get("audio_root_template")
    if roots is not None or template:
        key = rec.get(opts.get("audio_root_key", "source_dataset"))
        sub = (roots or {}).get(key) if roots else None
        if sub is None and template:
            sub = template.format(**{k: v for k, v in rec.items() if isinstance(v, str)})
        if sub is not None and isinstance(value, str):
            rel = value[2:] if value.startswith("./") else value
            return f"{sub.rstrip('/')}/{rel}"
    return relative_audio(value, root, opts.get("audio_dir"))


def read_mapped(
    spec: BenchmarkSpec,
    root: Path,
    records: list[dict[str, Any]],
    quirks: Quirks,
    opts: dict[str, Any],
    where: str,
) -> list[Item]:
    """Canonical items from records, through the spec's field map and the user's overrides."""
    fields = {**opts.get("default_fields", {}), **(opts.get("fields") or {})}
    required = [f for f in REQUIRED if not (f == "answer" and spec.answers_withheld)]
    check_columns(records, fields, required, where)
    cot_fields: dict[str, str] | None = opts.get("cot_fields")
    if cot_fields:
        check_columns(records, cot_fields, list(cot_fields), where)
    contribution_col = fields.get("audio_contribution")
    items = []
    for rec in records:
        if cot_fields:
            cot = {name: rec.get(col) for name, col in cot_fields.items()}
        else:
            cot = {k: v for k, v in rec.items() if "cot" in k.lower() and isinstance(v, str)}
        breakdown = {
            name: rec[fields.get(name, name)]
            for name in spec.breakdowns
            if name != "audio_contribution" and fields.get(name, name) in rec
        }
        items.append(
            make_item(
                id=_get(rec, fields["id"]),
                benchmark=spec.name,
                split=str(rec.get("split") or spec.split),
                audio=audio_ref(_get(rec, fields["audio"]), root, rec, opts),
                question=_get(rec, fields["question"]),
                choices=_get(rec, fields["choices"]),
                answer=rec.get(fields["answer"], "") if "answer" in fields else "",
                quirks=quirks,
                breakdown=breakdown,
                audio_contribution=rec.get(contribution_col, opts.get("default_contribution"))
                if contribution_col
                else opts.get("default_contribution"),
                cot=cot,
                source=_storable(rec, fields["audio"]),
                answer_withheld=spec.answers_withheld,
            )
        )
    return items


def _storable(rec: dict[str, Any], audio_col: Any) -> dict[str, Any]:
    """The source record, minus embedded audio bytes (kept on the item's ``audio``)."""
    if isinstance(audio_col, str) and isinstance(rec.get(audio_col), dict):
        value = rec[audio_col]
        slim = {k: v for k, v in value.items() if k not in ("bytes", "array")}
        return {**rec, audio_col: slim}
    return dict(rec)


#: One metadata file's records, as the family's reader wants them mapped: (spec, data root,
#: file, quirks) -> records.
Rows = Callable[["BenchmarkSpec", Path, Path, Quirks], list[dict[str, Any]]]


def mapped_reader(rows: Rows) -> Callable[..., list[Item]]:
    """A family reader: each metadata file's records (``rows``) through :func:`read_mapped`."""

    def reader(
        spec: BenchmarkSpec, root: Path, files: list[Path], quirks: Quirks, opts: dict[str, Any]
    ) -> list[Item]:
        items: list[Item] = []
        for path in files:
            records = rows(spec, root, path, quirks)
            items.extend(read_mapped(spec, root, records, quirks, opts, str(path)))
        return items

    return reader


#: Reader for JSON / JSONL layouts (MMAU, MMAR, AudioMCQ, StrongAC, DCASE, synth).
json_reader = mapped_reader(lambda spec, root, path, quirks: read_records(path, wrappers=WRAPPERS))
