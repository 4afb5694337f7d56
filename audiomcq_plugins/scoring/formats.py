"""The official evaluation scripts' input formats, and scoring a predictions file.

One :class:`ScoreFormat` per benchmark family says where the prediction, the choices and the
answer live in a record, which scorer the official script amounts to, and which breakdowns it
prints. ``official`` mode follows the script's counting rules (MMAU/MMAR skip records without a
prediction key; MMSU drops unreadable responses); ``strict`` counts every record.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audiomcq_plugins import recordfiles
from audiomcq_plugins.scoring.report import Field, Report, aggregate

MODES = ("official", "strict")
MAX_CHOICES = 8  # A-H, as MMSU's choice_a ... choice_h


class InputError(ValueError):
    """A predictions file the scorer cannot read; the message names the record and field."""


Record = dict[str, Any]


def _where(n: int, record: Record) -> str:
    rid = record.get("id")
    return f"record {n}" + (f" (id {rid!r})" if rid is not None else "")


def _listed_choices(n: int, record: Record) -> list[str]:
    choices = record.get("choices")
    if not isinstance(choices, list) or not choices or not all(isinstance(c, str) for c in choices):
        raise InputError(
            f"{_where(n, record)}: field 'choices' = {choices!r}: expected a non-empty list of "
            "strings; add the item's choices from the benchmark metadata"
        )
    if not 2 <= len(choices) <= MAX_CHOICES:
        raise InputError(
            f"{_where(n, record)}: field 'choices' has {len(choices)} option(s); a multiple-"
            f"choice item has 2 to {MAX_CHOICES} (A-H): check the file is this benchmark's"
        )
    return choices


def _lettered_choices(n: int, record: Record) -> list[str | None]:
    """MMSU keeps choices in ``choice_a`` ... (``choice_e`` ... ``choice_h`` if present)."""
    choices = [record.get(f"choice_{letter}") for letter in "abcdefgh"]
    while choices and choices[-1] is None:
        choices.pop()
    if len(choices) < 2 or not all(isinstance(c, str) for c in choices):
        raise InputError(
            f"{_where(n, record)}: fields 'choice_a'...: {choices!r}: expected at least "
            "choice_a and choice_b, each a string, with no gap; add them from the MMSU metadata"
        )
    return choices


@dataclass(frozen=True)
class ScoreFormat:
    name: str
    prediction_keys: tuple[str, ...]  # first present wins (the official script's key first)
    answer_key: str
    read_choices: Callable[[int, Record], Sequence[str | None]]
    official_scorer: str
    breakdown: tuple[Field, ...]  # what the official script prints, in its order
    strict_extra: tuple[Field, ...] = ()
    style: str = "percent"  # how the official script prints accuracy
    skip_missing_prediction: bool = True  # official: records without a key are not counted


_CONTRIBUTION = "audio_contribution"

FORMATS: dict[str, ScoreFormat] = {
    "mmau": ScoreFormat(
        name="mmau",
        prediction_keys=("model_output", "model_prediction"),
        answer_key="answer",
        read_choices=_listed_choices,
        official_scorer="mmau-official",
        breakdown=("task", "difficulty", "sub-category"),
        strict_extra=("category", _CONTRIBUTION),
    ),
    "mmar": ScoreFormat(
        name="mmar",
        prediction_keys=("answer_prediction", "model_prediction"),
        answer_key="answer",
        read_choices=_listed_choices,
        official_scorer="mmau-official",
        breakdown=("modality", "category", "sub-category"),
        strict_extra=(_CONTRIBUTION,),
    ),
    "mmsu": ScoreFormat(
        name="mmsu",
        prediction_keys=("response",),
        answer_key="answer_gt",
        read_choices=_lettered_choices,
        official_scorer="mmsu-official",
        breakdown=("category", ("category", "sub-category")),
        strict_extra=(_CONTRIBUTION,),
        style="fraction",
        # The MMSU script reads a missing response as null, which it drops: the scorer says so.
        skip_missing_prediction=False,
    ),
}


def resolve_format(benchmark: str) -> ScoreFormat:
    """A format name (``mmau``, ``mmar``, ``mmsu``), or a registered benchmark whose spec
    names one in ``score_format``."""
    if benchmark.lower() in FORMATS:  # MMAU is mmau
        return FORMATS[benchmark.lower()]
    import difflib

    from audiomcq_plugins import plugins

    try:
        spec = plugins.get("benchmarks", benchmark)
    except plugins.UnknownNameError:
        known = list(dict.fromkeys([*FORMATS, *plugins.registry("benchmarks").names()]))
        close = difflib.get_close_matches(benchmark.lower(), known, n=3, cutoff=0.5)
        hint = f" Did you mean {' or '.join(map(repr, close))}?" if close else ""
        raise InputError(
            f"unknown benchmark {benchmark!r}.{hint} Choose one of {', '.join(FORMATS)} "
            "or a registered benchmark whose spec sets score_format (`audiomcq plugins`)"
        ) from None
    if spec.score_format not in FORMATS:
        raise InputError(
            f"benchmark {benchmark!r} does not say which prediction format it uses "
            f"(score_format = {spec.score_format!r}); pass --benchmark {' or '.join(FORMATS)}"
        )
    return FORMATS[spec.score_format]


def read_records(path: str | Path) -> list[Record]:
    """The records of a predictions file: a JSON list of objects, or JSONL (one object per
    line); the container is read from the content, so either works for every benchmark."""
    try:
        records = recordfiles.read_records(path)
    except recordfiles.RecordFileError as exc:
        raise InputError(str(exc)) from None
    if not records:
        raise InputError(f"{path}: no records to score")
    return records


def _scored(
    records: list[Record],
    fmt: ScoreFormat,
    mode: str,
    scorer: Callable[..., Any],
    outside: list[str],
) -> Iterator[tuple[str, Any, Record]]:
    """Verdicts per record; items whose answer is none of their choices go to ``outside``."""
    from audiomcq_plugins.scoring.extract import key
    from audiomcq_plugins.scoring.matchers import DROPPED

    for n, record in enumerate(records, 1):
        item_id = record.get("id")
        item_id = str(item_id) if item_id is not None else f"#{n}"
        if "audio-contribution" in record:  # AudioMCQ's own spelling
            record.setdefault(_CONTRIBUTION, record["audio-contribution"])
        pkey = next((k for k in fmt.prediction_keys if k in record), None)
        if pkey is None and mode == "official" and fmt.skip_missing_prediction:
            yield item_id, DROPPED, record
            continue
        prediction = record.get(pkey) if pkey else None
        if (
            mode == "official"
            and fmt.official_scorer == "mmau-official"
            and not isinstance(prediction, str)
        ):
            raise InputError(
                f"{_where(n, record)}: field {pkey!r} = {prediction!r} is not a string; the "
                "official script crashes on it. Remove the key (the item is then skipped), "
                'set it to "" (counted wrong), or use --mode strict'
            )
        answer = record.get(fmt.answer_key)
        if not isinstance(answer, str):
            raise InputError(
                f"{_where(n, record)}: field {fmt.answer_key!r} = {answer!r}: expected the "
                "correct option's text; add it from the benchmark metadata"
            )
        choices = fmt.read_choices(n, record)
        if answer and key(answer) not in {key(c) for c in choices if isinstance(c, str)}:
            outside.append(f"{_where(n, record)} (answer {answer!r}, choices {choices!r})")
        yield item_id, scorer(prediction, choices, answer), record


def _check_records(records: list[Record], fmt: ScoreFormat) -> None:
    """Refuse what would give a silently wrong number in either mode: no record carrying a
    prediction key (a mistyped key, or another benchmark's file), or an id scored twice."""
    if not any(k in record for record in records for k in fmt.prediction_keys):
        keys = sorted({k for record in records[:50] for k in record})
        raise InputError(
            f"none of the {len(records)} records has a prediction key for {fmt.name} "
            f"({' / '.join(fmt.prediction_keys)}); the records' keys are {keys}. Rename the "
            "prediction key, or pass the --benchmark the file was written for"
        )
    seen: dict[str, int] = {}
    dups: dict[str, list[int]] = {}
    for n, record in enumerate(records, 1):
        rid = record.get("id")
        if rid is None:
            continue
        first = seen.setdefault(str(rid), n)
        if first != n:
            dups.setdefault(str(rid), [first]).append(n)
    if dups:
        listed = "; ".join(
            f"{rid!r} (records {', '.join(map(str, ns))})" for rid, ns in dups.items()
        )
        raise InputError(
            f"{len(dups)} id(s) appear more than once, and would be scored twice: {listed[:500]}; "
            "keep one prediction per item"
        )


def score_records(
    records: list[Record], benchmark: str, mode: str = "strict", scorer: str | None = None
) -> Report:
    """Score parsed records of one benchmark's prediction format.

    ``scorer`` overrides the mode's scorer with any registered one (counting rules still
    follow ``mode``).
    """
    from audiomcq_plugins import plugins

    if mode not in MODES:
        raise InputError(f"unknown mode {mode!r}: choose one of {', '.join(MODES)}")
    fmt = resolve_format(benchmark)
    if all(record.get(fmt.answer_key) == "" for record in records):
        raise InputError(
            f"every record has an empty {fmt.answer_key!r}: the answers are withheld (e.g. MMAU "
            "test); submit the predictions to the benchmark's online evaluator instead"
        )
    _check_records(records, fmt)
    scorer_name = scorer or (fmt.official_scorer if mode == "official" else "strict")
    fn = plugins.get("scorers", scorer_name)
    fields = fmt.breakdown if mode == "official" else fmt.breakdown + fmt.strict_extra
    outside: list[str] = []
    report = aggregate(
        _scored(records, fmt, mode, fn, outside),
        fields,
        benchmark=benchmark,
        mode=mode,
        scorer=scorer_name,
    )
    if outside:
        _answers_outside_choices(outside, report)
    if not report.total:
        raise InputError(
            f"none of the {len(records)} records counts under the official rules (no "
            f"{' / '.join(fmt.prediction_keys)} key, or every response dropped); the official "
            "script would divide by zero. Check the prediction key, or use --mode strict"
        )
    return report


def _answers_outside_choices(outside: list[str], report: Report) -> None:
    """Strict: refuse (no prediction could be right, so the item would count as a silent miss).
    Official: score as the official script does, with a warning in the report."""
    listed = "; ".join(outside)
    listed = listed if len(listed) <= 600 else listed[:597] + "..."
    what = f"{len(outside)} item(s) have an answer that is none of their choices: {listed}"
    if report.mode != "official":
        raise InputError(
            f"{what}. Strict scoring cannot count them right or wrong: fix the answers (use "
            "the benchmark's pinned metadata), or use --mode official to score them as the "
            "official script does"
        )
    report.warnings.append(f"{what}; scored as the official script does (by text match)")


def score_file(
    path: str | Path, benchmark: str, mode: str = "strict", scorer: str | None = None
) -> Report:
    """Read and score one predictions file (see :func:`score_records`)."""
    return score_records(read_records(path), benchmark, mode, scorer)
