"""The hearing base: a tiny audio LM taught to describe clips before any multiple-choice training.

Real audio LMs (Qwen2.5-Omni, the paper's base) hear before they are post-trained on
multiple-choice questions; a tiny random model does not. This stage gives it what the paper's
base had: SFT, through the literal ``trl sft --config trl_recipes/tiny/pretrain_sft.yaml``, of
a tiny random Qwen2.5-Omni thinker on *descriptions* of synthetic clips. The clips come from their
own seed of the suite (:data:`PRETRAIN_SEED`: neither the training items' nor the held-out
ones'); the prompt asks about one aspect of the clip and the target says what the generator put
in it. No question of the suite, no options, no answer tags::

    user:      <audio> Describe the number of noise bursts in the clip.
    assistant: The number of noise bursts is three.

The result is a normal transformers checkpoint (``Qwen2_5OmniThinkerForConditionalGeneration``),
cached: rebuilt only when its inputs change (the suite's texts, the captions, the recipe, the
model sizes, the number of clips or steps). Build it with::

    python -m audiomcq_plugins.workflows.pretrain --out runs/hearing_base
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from audiomcq_plugins.workflows import tiny_recipe

PRETRAIN_SEED = 2
RECIPE = tiny_recipe.RECIPES / "pretrain_sft.yaml"
DEFAULT_OUT = tiny_recipe.REPO / "runs" / "hearing_base"
DEFAULT_CLIPS = 6000
STAMP = "hearing_base.json"  # in the checkpoint: what it was built from, and how long it took

#: What each sub-task's caption prompt asks about (the target is the sub-task's ``describe``).
ASPECTS: dict[str, str] = {
    "sound_event": "the kind of sound",
    "sound_count": "the number of noise bursts",
    "music_pitch": "the register of the note",
    "music_chord": "the quality of the chord",
    "music_tempo": "the speed of the beat",
    "speech_contour": "how the pitch of the voice moves",
    "temporal_order": "the order of the sounds",
    "temporal_onset": "when the beep starts",
}
PROMPT = "Describe {aspect} in the clip."


def caption(record: dict[str, Any]) -> tuple[str, str]:
    """(prompt, target) of one strong item of the suite: its aspect and its described label."""
    from audiomcq_plugins.benchmarks.synth import SUBTASKS

    task = SUBTASKS[record["subtask"]]
    text = task.describe.format(label=record["answer"])
    return PROMPT.format(aspect=ASPECTS[task.name]), text[0].upper() + text[1:] + "."


def caption_texts() -> list[str]:
    """Every caption prompt and target (for the tokenizer and the cache key)."""
    from audiomcq_plugins.benchmarks.synth import SUBTASKS

    texts = [PROMPT.format(aspect=a) for a in ASPECTS.values()]
    for task in SUBTASKS.values():
        texts += [task.describe.format(label=label) for label in task.labels]
    return texts


def build_captions(work: Path, n: int) -> Path:
    """``n`` clips of the pretraining seed and their caption conversations (TRL SFT rows)."""
    from audiomcq_plugins.benchmarks.synth import METADATA_FILE
    from audiomcq_plugins.integrations.trl.data import system_turn, write_jsonl
    from audiomcq_plugins.models.tiny import SYSTEM_DEFAULT

    dataset = work / "captions" / "sft" / "describe"
    if (dataset / "train.jsonl").is_file():
        return dataset
    root = tiny_recipe.suite(work / "synth-captions", n, PRETRAIN_SEED, weak_fraction=0.0)
    rows = []
    for record in json.loads((root / METADATA_FILE).read_text()):
        prompt, target = caption(record)
        audio = str((root / "audio" / record["source_dataset"] / record["audio_path"]).resolve())
        user = [{"type": "audio", "audio": audio}, {"type": "text", "text": prompt}]
        rows.append(
            {
                "messages": [
                    system_turn(SYSTEM_DEFAULT),
                    {"role": "user", "content": user},
                    {"role": "assistant", "content": [{"type": "text", "text": target}]},
                ],
                "images": [],
                "id": record["id"],
            }
        )
    write_jsonl(rows, dataset / "train.jsonl")
    return dataset


def fingerprint(n: int, overrides: dict[str, Any]) -> str:
    """What the base depends on: texts (tokenizer, captions), recipe, sizes, clips, overrides."""
    from audiomcq_plugins.benchmarks import synth
    from audiomcq_plugins.models.tiny import DEFAULT_SIZES

    blob = json.dumps(
        [
            synth.corpus(),
            caption_texts(),
            RECIPE.read_text(),
            DEFAULT_SIZES,
            tiny_recipe.MAX_SECONDS,
            PRETRAIN_SEED,
            n,
            sorted((k, str(v)) for k, v in overrides.items()),
        ]
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def cached(out: Path, key: str) -> dict[str, Any] | None:
    """The stamp of a base built from the same inputs, else None."""
    stamp = out / STAMP
    if not stamp.is_file() or not (out / "config.json").is_file():
        return None
    info = json.loads(stamp.read_text())
    return info if info.get("fingerprint") == key else None


def build_base(
    out: Path = DEFAULT_OUT,
    *,
    clips: int = DEFAULT_CLIPS,
    overrides: dict[str, Any] | None = None,
    log: Callable[[str], None] = print,
    on_log: Callable[[dict[str, float]], None] | None = None,
) -> dict[str, Any]:
    """The hearing base at ``out`` (built unless cached); returns its stamp, with ``cached``."""
    overrides = dict(overrides or {})
    out = Path(out).resolve()
    key = fingerprint(clips, overrides)
    info = cached(out, key)
    if info:
        log(f"hearing base: cached at {out} (inputs unchanged)")
        return {**info, "cached": True}
    work = out.with_name(out.name + ".work")
    shutil.rmtree(work, ignore_errors=True)
    start = time.perf_counter()
    dataset = build_captions(work, clips)
    model = tiny_recipe.build_model(work / "random", extra_texts=caption_texts())
    seconds = time.perf_counter() - start
    log(f"hearing base: {clips} captioned clips and a random model in {seconds:.0f} s")
    shutil.rmtree(out, ignore_errors=True)
    cmd = tiny_recipe.trl_command(
        "sft",
        RECIPE,
        {"model_name_or_path": model, "dataset_name": dataset, "output_dir": out, **overrides},
    )
    log(" ".join(cmd))
    run = tiny_recipe.run_trl(cmd, work / "pretrain.log", on_log)
    shutil.copy(work / "pretrain.log", out / "pretrain.log")
    info = {
        "fingerprint": key,
        "clips": clips,
        "seed": PRETRAIN_SEED,
        "command": cmd,
        "seconds": round(run["seconds"], 1),
        "cpu_seconds": round(run["cpu_seconds"], 1),
        "final_loss": tiny_recipe.last(run["logs"], "loss"),
    }
    (out / STAMP).write_text(json.dumps(info, indent=2) + "\n")
    shutil.rmtree(work)
    return {**info, "cached": False}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m audiomcq_plugins.workflows.pretrain", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--out", default=str(DEFAULT_OUT), help="checkpoint directory")
    parser.add_argument("--clips", type=int, default=DEFAULT_CLIPS, help="captioned clips")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a field of the recipe, e.g. max_steps=100 (repeatable)",
    )
    args = parser.parse_args(argv)
    overrides = {}
    for item in args.set:
        key, sep, value = item.partition("=")
        if not sep or not key or not value:
            parser.error(f"--set {item!r}: expected KEY=VALUE, e.g. max_steps=100")
        overrides[key] = value
    info = build_base(Path(args.out), clips=args.clips, overrides=overrides)
    print(json.dumps(info, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
