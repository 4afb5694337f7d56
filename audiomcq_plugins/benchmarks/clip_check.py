"""The clip checks of ``audiomcq prepare``: each clip extracted (when embedded) and decoded once
in a worker process, every result appended to the progress file as it arrives, so an
interrupted run resumes where it stopped (:mod:`audiomcq_plugins.benchmarks.prepare`)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

from audiomcq_plugins.audioref import AudioRef
from audiomcq_plugins.benchmarks.workers import run_interruptibly
from audiomcq_plugins.cache import write_atomic

AUDIO_SUFFIXES = (".wav", ".flac", ".mp3", ".ogg", ".opus")
CHUNK = 16  # clips per task sent to a worker process


def is_embedded(audio: AudioRef | None) -> bool:
    return audio is not None and audio.embedded


def clip_name(item_id: str, audio: AudioRef) -> str:
    suffix = audio.suffix()
    safe = re.sub(r"[^\w.-]", "_", item_id)
    if safe != item_id:  # keep names unique when sanitising merged two ids
        safe += "-" + hashlib.sha1(item_id.encode()).hexdigest()[:8]
    return f"audio/{safe}{suffix if suffix in AUDIO_SUFFIXES else '.wav'}"


def clip_names(item_id: str, clips: tuple[AudioRef, ...]) -> tuple[str, ...]:
    """Where an item's embedded clips are extracted: :func:`clip_name`, then ``-2``, ``-3``
    ... before the suffix for the further clips of a multi-clip item."""
    names = []
    for k, clip in enumerate(clips):
        name = clip_name(item_id, clip)
        if k:
            stem, dot, suffix = name.rpartition(".")
            name = f"{stem}-{k + 1}{dot}{suffix}"
        names.append(name)
    return tuple(names)


def check_clip(
    job: tuple[str, tuple[AudioRef, ...], str, tuple[str, ...] | None, bool],
) -> dict[str, Any]:
    """Worker: extract an item's embedded clips (when asked) and decode each; never raises.
    The entry's ``duration`` is the seconds of all its clips together."""
    from audiomcq_plugins.audio import AudioError, load_audio

    item_id, clips, data_root, extract_to, decode = job
    entry: dict[str, Any] = {"id": item_id}
    try:
        audio: list[Any] = list(clips)
        if extract_to is not None:
            for clip, name in zip(clips, extract_to, strict=True):
                target = Path(data_root) / name
                if not (target.is_file() and target.stat().st_size == len(clip.data or b"")):
                    write_atomic(target, clip.data or b"")
            audio = list(extract_to)
            entry["audio"] = audio if len(audio) > 1 else audio[0]
        if decode:
            seconds = [
                load_audio(clip, data_root=data_root, item_id=item_id).duration for clip in audio
            ]
            entry["duration"] = round(sum(seconds), 3)
    except AudioError as exc:
        entry["error"] = exc.reason
    except OSError as exc:
        entry["error"] = f"cannot write the extracted clip ({exc})"
    return entry


def read_progress(path: Path, header: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Entries of a previous run with the same source and settings (failures dropped)."""
    if not path.is_file():
        return {}
    done: dict[str, dict[str, Any]] = {}
    with open(path, encoding="utf-8") as fh:
        lines = iter(fh)
        try:
            if json.loads(next(lines)) != {"header": header}:
                return {}
        except (StopIteration, json.JSONDecodeError):
            return {}
        for line in lines:
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:  # a line cut short by an interrupted run
                continue
            if "error" not in entry:
                done[entry["id"]] = entry
    return done


def check_clips(
    jobs: list[tuple[str, Any, str, str | None, bool]],
    done: dict[str, dict[str, Any]],
    progress_path: Path,
    header: dict[str, Any],
    workers: int | None,
    progress: bool,
    name: str,
) -> None:
    """Run ``jobs``, appending each result to the progress file and recording it in ``done``
    (a success replaces an earlier failure, never the reverse)."""
    mode = "a" if done else "w"
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(jobs), desc=f"prepare {name}", unit="clip")
    with open(progress_path, mode, encoding="utf-8") as fh:
        if mode == "w":
            fh.write(json.dumps({"header": header}) + "\n")
        results = contextlib.closing(
            run_interruptibly(check_clip, jobs, workers or os.cpu_count() or 1, CHUNK)
        )
        with results as entries:
            for entry in entries:
                record(fh, entry, done)
                if bar is not None:
                    bar.update()
    if bar is not None:
        bar.close()


def record(fh: Any, entry: dict[str, Any], done: dict[str, dict[str, Any]]) -> None:
    """Append one result to the progress file; a success replaces an earlier failure."""
    fh.write(json.dumps(entry) + "\n")
    fh.flush()
    if "error" not in entry:
        done[entry["id"]] = entry
    else:
        done.setdefault(entry["id"], entry)
