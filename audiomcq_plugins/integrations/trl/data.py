"""Canonical items → TRL-ready JSONL for SFT and GRPO, and its validation.

Layout written by :func:`prepare` (one ``train.jsonl`` per directory, so that TRL's
``dataset_name: DIR`` loads exactly one subset)::

    OUT/sft/{weak,strong,mixed}/train.jsonl    messages (+ empty images) and metadata
    OUT/grpo/{weak,strong,mixed}/train.jsonl   prompt and metadata
    OUT/manifest.json                          counts, source file, prompt format

Which items are weak and which strong: the labels the items ship, or a labels file of the
silent-audio vote (``labels=``, from ``audiomcq contribution label``), which then replaces them
in the rows and the subsets and must cover every item.

Rows (audio paths are absolute, so the files work from any working directory):

- SFT: ``messages`` = system (:data:`~audiomcq_plugins.prompts.AUDIOMCQ_SYSTEM_PROMPT`), user
  ``[{"type": "audio", "audio": PATH}, {"type": "text", "text": PROMPT}]``, assistant
  ``<answer>{answer}</answer>``; ``images: []`` (selects TRL's vision collator in ``trl sft``).
- GRPO: ``prompt`` = the system and user turns.
- Both: ``solution`` (answer text), ``choices``, ``audio_contribution``, ``question_type``,
  ``id``.

Load these files with ``datasets.load_dataset("json", ...)`` (or TRL's ``dataset_name``): the JSON
loader keeps content blocks as JSON. ``Dataset.from_list`` would fill missing block keys with
None, which real Qwen2-Audio templates miscount as extra audio blocks.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from audiomcq_plugins.items import CONTRIBUTIONS, Item, Problem, ValidationError

STAGES = ("sft", "grpo")
SUBSETS = ("weak", "strong", "mixed")
#: Columns every row carries besides the conversation.
META_COLUMNS = ("solution", "choices", "audio_contribution", "question_type", "id")


def answer_text(answer: str) -> str:
    """The SFT target for one item."""
    return f"<answer>{answer}</answer>"


def user_turn(audio_path: str, question: str, choices: list[str], prompt_format: str) -> dict:
    from audiomcq_plugins.prompts import render

    return {
        "role": "user",
        "content": [
            {"type": "audio", "audio": audio_path},
            {"type": "text", "text": render(prompt_format, question, choices)},
        ],
    }


def system_turn(system_prompt: str) -> dict:
    return {"role": "system", "content": [{"type": "text", "text": system_prompt}]}


def rows_for_item(
    item: Item, audio_path: str, *, prompt_format: str = "r1aqa", system_prompt: str | None = None
) -> dict[str, dict[str, Any]]:
    """The SFT and GRPO rows of one item, keyed by stage."""
    from audiomcq_plugins.prompts import AUDIOMCQ_SYSTEM_PROMPT

    prompt = [
        system_turn(AUDIOMCQ_SYSTEM_PROMPT if system_prompt is None else system_prompt),
        user_turn(audio_path, item.question, list(item.choices), prompt_format),
    ]
    meta = {
        "solution": item.answer,
        "choices": list(item.choices),
        "audio_contribution": item.audio_contribution,
        "question_type": item.field("question_type"),
        "id": str(item.id),
    }
    assistant = {
        "role": "assistant",
        "content": [{"type": "text", "text": answer_text(item.answer)}],
    }
    return {
        "sft": {"messages": [*prompt, assistant], "images": [], **meta},
        "grpo": {"prompt": prompt, **meta},
    }


def subsets_of(item: Item) -> list[str]:
    """Which subset files an item goes to: always ``mixed``, plus its contribution label."""
    return ["mixed"] + (
        [item.audio_contribution] if item.audio_contribution in CONTRIBUTIONS else []
    )


def relabelled(items: list[Item], labels_file: str | Path) -> list[Item]:
    """``items`` with the audio-contribution labels of ``labels_file`` (every item needs one)."""
    import dataclasses

    from audiomcq_plugins.contribution.subsets import item_labels

    benchmark = items[0].benchmark or "the benchmark"
    found = item_labels(benchmark, items, option=str(labels_file))
    assert found is not None
    return [dataclasses.replace(it, audio_contribution=found[it.id]) for it in items]


def prepare(
    items_path: str | Path,
    data_root: str | Path,
    out_dir: str | Path,
    *,
    prompt_format: str = "r1aqa",
    system_prompt: str | None = None,
    check_audio: bool = True,
    labels: str | Path | None = None,
) -> dict[str, Any]:
    """Convert a canonical JSONL file into the TRL layout above; returns the manifest.

    Every item is validated first (text fields, answers among choices, readable audio under
    ``data_root``); any problem aborts with one :class:`ValidationError` listing all of them.
    """
    from audiomcq_plugins.audio import AudioError, resolve_path
    from audiomcq_plugins.audioref import describe
    from audiomcq_plugins.items import load_items, validate_items

    items = load_items(items_path)
    if not items:
        raise ValueError(f"{items_path}: no items; produce it with `audiomcq prepare`")
    if labels is not None:
        items = relabelled(items, labels)
    problems = validate_items(items, data_root=data_root, check_audio=check_audio)
    paths: dict[str, str] = {}
    for item in items:
        if item.audio is None or item.audio.embedded or item.audio.path is None:
            problems.append(
                Problem(str(item.id), "audio", describe(item.audio), "training needs a clip path")
            )
            continue
        if item.extra_audio:
            problems.append(
                Problem(
                    str(item.id),
                    "audio",
                    [c.path for c in item.clips],
                    f"has {len(item.clips)} clips; the training layout takes one clip per item "
                    "(leave multi-clip items out of training data)",
                )
            )
            continue
        try:
            paths[str(item.id)] = str(resolve_path(item.audio.path, data_root, str(item.id)))
        except AudioError as exc:
            if check_audio:  # already reported by validate_items
                continue
            problems.append(Problem(str(item.id), "audio", item.audio.path, exc.reason))
    if problems:
        raise ValidationError(problems, what=str(items_path))

    out = Path(out_dir)
    buckets: dict[tuple[str, str], list[dict]] = {(s, b): [] for s in STAGES for b in SUBSETS}
    for item in items:
        rows = rows_for_item(
            item, paths[str(item.id)], prompt_format=prompt_format, system_prompt=system_prompt
        )
        for subset in subsets_of(item):
            for stage in STAGES:
                buckets[stage, subset].append(rows[stage])
    counts: dict[str, dict[str, int]] = {stage: {} for stage in STAGES}
    files: dict[str, dict[str, str]] = {stage: {} for stage in STAGES}
    for (stage, subset), rows in buckets.items():
        path = out / stage / subset / "train.jsonl"
        write_jsonl(rows, path)
        counts[stage][subset] = len(rows)
        files[stage][subset] = str(path.parent)
    manifest = {
        "source": str(Path(items_path).resolve()),
        "data_root": str(Path(data_root).resolve()),
        "prompt_format": prompt_format,
        "labels": str(Path(labels).resolve()) if labels is not None else "shipped",
        "counts": counts["grpo"],
        "dataset_dirs": files,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def write_jsonl(rows: Iterable[dict], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def audio_blocks(messages: list[dict]) -> list[dict]:
    """The audio content blocks of a conversation, in order."""
    return [
        block
        for message in messages
        if isinstance(message.get("content"), list)
        for block in message["content"]
        if isinstance(block, dict) and block.get("type") == "audio"
    ]


def check_row(row: dict[str, Any], stage: str, where: str) -> list[Problem]:
    """Problems of one TRL row for ``stage`` ("sft" or "grpo")."""
    rid = str(row.get("id", where))
    problems: list[Problem] = []

    def bad(field: str, value: Any, message: str) -> None:
        problems.append(Problem(rid, field, value, message))

    conv_key = "messages" if stage == "sft" else "prompt"
    conv = row.get(conv_key)
    if not isinstance(conv, list) or not conv:
        bad(conv_key, conv, f"missing: a {stage} row needs a `{conv_key}` conversation")
        return problems
    blocks = audio_blocks(conv)
    if not blocks:
        bad(conv_key, "<no audio block>", "no {'type': 'audio'} content block")
    for block in blocks:
        path = block.get("audio")
        if not isinstance(path, str) or not Path(path).is_absolute():
            bad("audio", path, "must be an absolute path (re-run `audiomcq train prepare-data`)")
        elif not Path(path).is_file():
            bad("audio", path, "file does not exist")
    if stage == "sft":
        if conv[-1].get("role") != "assistant":
            bad("messages", conv[-1].get("role"), "the last turn must be the assistant's answer")
        if row.get("images") != []:
            bad("images", row.get("images"), "must be an empty list (selects TRL's collator)")
    if stage == "grpo" and any(m.get("role") == "assistant" for m in conv):
        bad("prompt", "assistant", "a GRPO prompt must end before the assistant turn")
    for col in META_COLUMNS:
        if col not in row:
            bad(col, None, "missing column")
    choices, solution = row.get("choices"), row.get("solution")
    if isinstance(choices, list) and solution not in choices:
        bad("solution", solution, f"is not one of the choices {choices}")
    if row.get("audio_contribution") not in (None, *CONTRIBUTIONS):
        bad("audio_contribution", row.get("audio_contribution"), f"must be one of {CONTRIBUTIONS}")
    return problems


def validate_dataset(path: str | Path, stage: str) -> int:
    """Validate a TRL-ready JSONL file (or a directory of them) for ``stage``; returns the row
    count. Raises one :class:`ValidationError` listing every problem."""
    from audiomcq_plugins.items import read_jsonl

    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}; choose one of {STAGES}")
    p = Path(path)
    files = sorted(p.glob("*.jsonl")) if p.is_dir() else [p]
    if not files or not all(f.is_file() for f in files):
        raise FileNotFoundError(
            f"no TRL dataset at {p}: run `audiomcq train prepare-data --items ... --out DIR` and "
            f"point the recipe at DIR/{stage}/<weak|strong|mixed>"
        )
    problems: list[Problem] = []
    n = 0
    for f in files:
        for lineno, row in enumerate(read_jsonl(f), 1):
            n += 1
            problems.extend(check_row(row, stage, f"{f.name}:{lineno}"))
    if n == 0:
        problems.append(Problem(str(p), "rows", 0, "the dataset is empty"))
    if problems:
        raise ValidationError(problems, what=f"{stage} dataset {p}")
    return n


def load_jsonl_dataset(path: str | Path, split: str = "train") -> Any:
    """Load a TRL-ready file or directory with the JSON loader (content blocks stay JSON)."""
    from datasets import load_dataset

    p = Path(path)
    files = [str(f) for f in sorted(p.glob("*.jsonl"))] if p.is_dir() else [str(p)]
    return load_dataset("json", data_files=files, split=split)
