"""Which items of a benchmark are weak or strong, and which shard of it a run holds.

Labels come from a labels file (:mod:`.labels`, named in the task metadata's
``contribution_labels``) or, failing that, from the labels the dataset ships (the items'
``audio_contribution``, e.g. AudioMCQ and the synthetic suite). A labels file must cover every
item, and when its header records a benchmark content hash, the benchmark's must match.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from audiomcq_plugins.contribution import labels as labels_mod
from audiomcq_plugins.contribution.vote import VoteError
from audiomcq_plugins.items import CONTRIBUTIONS as LABELS

SUBSETS = LABELS


def how_to_label(task: str) -> str:
    return (
        f"make labels with `audiomcq contribution label --benchmark {task} --models ... --out "
        f"{task}_labels.jsonl` and pass them with --metadata "
        f'\'{{"contribution_labels": {{"{task}": "{task}_labels.jsonl"}}}}\''
    )


def labels_path(option: Any, benchmark: str) -> str | None:
    """The labels file the ``contribution_labels`` metadata option names for ``benchmark``
    (a mapping keyed by benchmark / base task name, or one path for every task)."""
    if not option:
        return None
    if isinstance(option, (str, Path)):
        return str(option)
    if isinstance(option, Mapping):
        value = option.get(benchmark)
        return str(value) if value else None
    raise VoteError(
        f"metadata.contribution_labels must map task names to labels files, got {option!r}"
    )


#: The paper's silent probe: 30 s of silence in place of the clip.
PAPER_ABLATION = {"audio": "silence", "ablation_seconds": 30.0}


def warn_unusual_labels(path: str, head: dict[str, Any], prompt_format: str | None) -> None:
    """Warn when labels were made with another prompt format than the task renders, or with
    another ablation than the paper's 30 s of silence: the subsets are then not the ones a
    reader of the paper expects."""
    made = (head.get("benchmark") or {}).get("prompt_format")
    if prompt_format and made and made != prompt_format:
        warnings.warn(
            f"labels {path} were voted with prompt format {made!r}, but this task renders "
            f"{prompt_format!r}: the voters saw other prompts than the ones evaluated",
            UserWarning,
            stacklevel=3,
        )
    other = [
        f"{p.get('name') or p.get('model')}: {p.get('silence')}"
        for p in head.get("probes") or []
        if p.get("kind") == "audio" and p.get("silence") not in (None, PAPER_ABLATION)
    ]
    if other:
        warnings.warn(
            f"labels {path} were voted with another ablation than the paper's 30 s of silence "
            f"({'; '.join(other)}): their weak/strong split may differ from the paper's",
            UserWarning,
            stacklevel=3,
        )


def item_labels(
    benchmark: str,
    items: Sequence[Any],
    option: Any = None,
    content_hash: str | None = None,
    prompt_format: str | None = None,
) -> dict[str, str] | None:
    """``{id: weak|strong}`` for every item, or None when no labels are available; labels made
    unusually are warned about (:func:`warn_unusual_labels`)."""
    path = labels_path(option, benchmark)
    if path is None:
        shipped = {it.id: it.audio_contribution for it in items if it.audio_contribution}
        return shipped if shipped else None
    head, found = labels_mod.read(path)
    warn_unusual_labels(path, head, prompt_format)
    recorded = (head.get("benchmark") or {}).get("content_hash")
    if recorded and content_hash and recorded != content_hash:
        raise VoteError(
            f"labels {path} were made on {benchmark} content {recorded[:12]}, but the data "
            f"loaded now is {content_hash[:12]}; relabel this version ({how_to_label(benchmark)})"
        )
    missing = [it.id for it in items if it.id not in found]
    if missing:
        raise VoteError(
            f"labels {path} have no label for {len(missing)} of {len(items)} {benchmark} items, "
            f"e.g. {missing[:3]}; {how_to_label(benchmark)}"
        )
    return {it.id: found[it.id] for it in items}


def check_subset(subset: Any, benchmark: str, labels: dict[str, str] | None) -> str | None:
    """Validate the ``subset`` metadata option (None: every item)."""
    if subset in (None, "", "all"):
        return None
    if subset not in SUBSETS:
        raise VoteError(f"metadata.subset must be one of {SUBSETS}, not {subset!r}")
    if labels is None:
        raise VoteError(
            f"the {subset} subset of {benchmark} needs audio-contribution labels and "
            f"{benchmark} ships none; {how_to_label(benchmark)}"
        )
    return str(subset)


def parse_shard(value: Any) -> tuple[int, int]:
    """``"i/n"`` (0-based) -> (i, n); None -> (0, 1)."""
    if value in (None, ""):
        return 0, 1
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", str(value))
    if not match or not int(match[1]) < int(match[2]):
        raise VoteError(f"metadata.shard must be 'i/n' with 0 <= i < n (e.g. '0/4'), got {value!r}")
    return int(match[1]), int(match[2])


def in_shard(position: int, shard: tuple[int, int]) -> bool:
    """Items are dealt round-robin, so every shard gets a similar mix of lengths."""
    return position % shard[1] == shard[0]
