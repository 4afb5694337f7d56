"""General audio LMs before any multiple-choice training: the hearing base and the voters.

Real audio LMs (Qwen2.5-Omni, the paper's base; Qwen2-Audio and Kimi-Audio, its other voters)
hear and read before they are post-trained on the suite; a tiny random model does neither. This
stage gives them what those had: SFT, through the literal
``trl sft --config trl_recipes/tiny/pretrain_sft.yaml`` (``text_sft.yaml`` for the text LM), on
the general data of :mod:`audiomcq_plugins.workflows.general_data`: *descriptions* of clips of
their own seed (:data:`PRETRAIN_SEED`: neither the training items' nor the held-out ones'),
clips of silence and noise described as such, and reading tasks on general topics. No question
of the suite, no answer of it, no weak/strong label::

    user:      <audio> Describe the number of noise bursts in the clip.
    assistant: The number of noise bursts is three.

Three models, three kinds (:data:`MODELS`): ``qwen2.5-omni`` (the hearing base that
Weak-to-Strong starts from, and a voter), ``qwen2-audio`` (a voter) and ``qwen2`` (a text-only
voter, asked through ``--text-models``). Each is a normal transformers checkpoint of the real
class, cached: rebuilt only when its inputs change (texts, recipe, sizes, clips, overrides).
Build one with::

    python -m audiomcq_plugins.workflows.pretrain --arch qwen2-audio --out runs/voters/qwen2-audio
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

from audiomcq_plugins.models.tiny import TEXT_ARCHS
from audiomcq_plugins.workflows import captions, general_data, tiny_recipe
from audiomcq_plugins.workflows.general_data import PRETRAIN_SEED

RECIPE = tiny_recipe.RECIPES / "pretrain_sft.yaml"
TEXT_RECIPE = tiny_recipe.RECIPES / "text_sft.yaml"
#: The general models, in the order they are built (the text LM first: the audio models'
#: language models start from it), and their directories under the models root.
MODELS: dict[str, Path] = {
    "qwen2": Path("voters", "qwen2"),
    "qwen2.5-omni": Path("hearing_base"),
    "qwen2-audio": Path("voters", "qwen2-audio"),
}
DEFAULT_ROOT = tiny_recipe.REPO / "runs"
DEFAULT_OUT = DEFAULT_ROOT / MODELS["qwen2.5-omni"]
DEFAULT_CLIPS = 6000
#: Sizes of the general models besides DEFAULT_SIZES': a vocabulary as large as the BPE trainer
#: finds merges for (about 1,500 tokens), so that words are whole tokens as in a real LM. With
#: 1,024 tokens most words of the general data fell into letters and pairs ("wheat" -> w he
#: at), sequences grew by a third and copying an answer out of the question was never learned.
GENERAL_SIZES = {"vocab_size": 4096}
STAMP = "hearing_base.json"  # in the checkpoint: what it was built from, and how long it took


def build_dataset(work: Path, n: int, arch: str, model: Path) -> Path:
    """The general data of ``arch`` (TRL SFT rows) from ``n`` clips of the pretraining seed:
    chat rows for audio models, prompt/completion rows for the text LM; option phrases use the
    words of ``model``'s tokenizer."""
    dataset = work / "general" / "sft" / arch
    if (dataset / "train.jsonl").is_file():
        return dataset
    words = general_data.vocabulary_words(model)
    if arch in TEXT_ARCHS:
        rows = general_data.text_rows(8 * n, words)  # text rows are cheap: many, never repeated
    else:
        root = tiny_recipe.suite(work / "synth-captions", n, PRETRAIN_SEED, weak_fraction=0.0)
        clips = captions.captioned_clips(root)
        quiet = general_data.quiet_clips(work / "quiet", n // 4)
        rows = general_data.audio_rows(clips, quiet, words)
    general_data.write_rows(rows, dataset / "train.jsonl")
    return dataset


def recipe_of(arch: str) -> Path:
    return TEXT_RECIPE if arch in TEXT_ARCHS else RECIPE


#: Recipe fields every build overrides (so neither they nor comments change the cache key).
OVERRIDDEN = ("model_name_or_path", "dataset_name", "output_dir")


def recipe_settings(arch: str) -> dict[str, Any]:
    import yaml

    settings = yaml.safe_load(recipe_of(arch).read_text())
    return {k: v for k, v in settings.items() if k not in OVERRIDDEN}


def fingerprint(n: int, overrides: dict[str, Any], arch: str = "qwen2.5-omni") -> str:
    """What a model depends on: texts (tokenizer, data), recipe, sizes, clips, overrides."""
    from audiomcq_plugins.benchmarks import synth
    from audiomcq_plugins.models.tiny import DEFAULT_SIZES

    parts: list[Any] = [
        arch,
        synth.corpus(),
        general_data.texts(),
        recipe_settings(arch),
        DEFAULT_SIZES,
        GENERAL_SIZES,
        tiny_recipe.MAX_SECONDS,
        PRETRAIN_SEED,
        n,
        sorted((k, str(v)) for k, v in overrides.items()),
    ]
    if arch not in TEXT_ARCHS:
        parts.append(general_data.AUDIO_ROWS_VERSION)
    blob = json.dumps(parts)
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
    arch: str = "qwen2.5-omni",
    text_lm: Path | None = None,
) -> dict[str, Any]:
    """The general model of ``arch`` at ``out`` (built unless cached); returns its stamp, with
    ``cached``. An audio model's language model starts from the general text LM ``text_lm``
    (built first: :func:`build_all`), else from random weights."""
    if arch not in MODELS:
        raise ValueError(f"unknown general model {arch!r}; choose one of {', '.join(MODELS)}")
    overrides = dict(overrides or {})
    out = Path(out).resolve()
    parent_key = json.loads((Path(text_lm) / STAMP).read_text())["fingerprint"] if text_lm else ""
    key = fingerprint(clips, overrides, arch) + (f"+{parent_key}" if parent_key else "")
    info = cached(out, key)
    if info:
        log(f"{arch}: cached at {out} (inputs unchanged)")
        return {**info, "cached": True}
    work = out.with_name(out.name + ".work")
    shutil.rmtree(work, ignore_errors=True)
    start = time.perf_counter()
    model = tiny_recipe.build_model(
        work / "random",
        extra_texts=general_data.texts() + captions.caption_texts(),
        arch=arch,
        **GENERAL_SIZES,
    )
    if text_lm:
        tiny_recipe.init_language_model(model, Path(text_lm))
    dataset = build_dataset(work, clips, arch, model)
    seconds = time.perf_counter() - start
    log(f"{arch}: general data from {clips} clips and a random model in {seconds:.0f} s")
    shutil.rmtree(out, ignore_errors=True)
    cmd = tiny_recipe.trl_command(
        "sft",
        recipe_of(arch),
        {"model_name_or_path": model, "dataset_name": dataset, "output_dir": out, **overrides},
    )
    log(" ".join(cmd))
    run = tiny_recipe.run_trl(cmd, work / "pretrain.log", on_log)
    shutil.copy(work / "pretrain.log", out / "pretrain.log")
    info = {
        "fingerprint": key,
        "arch": arch,
        "text_lm": str(text_lm) if text_lm else None,
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


def build_all(
    root: Path,
    *,
    clips: int = DEFAULT_CLIPS,
    overrides: dict[str, Any] | None = None,
    log: Callable[[str], None] = print,
    on_log: Callable[[str], Callable[[dict[str, float]], None]] | None = None,
) -> dict[str, dict[str, Any]]:
    """The three general models under ``root`` (``hearing_base/``, ``voters/<arch>/``): the text
    LM first, then the audio models whose language model starts from it."""
    out: dict[str, dict[str, Any]] = {}
    for arch, relative in MODELS.items():
        where = root / relative
        out[arch] = build_base(
            where,
            clips=clips,
            overrides=overrides,
            log=log,
            on_log=on_log(arch) if on_log else None,
            arch=arch,
            text_lm=None if arch in TEXT_ARCHS else root / MODELS["qwen2"],
        )
        out[arch]["dir"] = str(where)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m audiomcq_plugins.workflows.pretrain", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--arch",
        choices=(*MODELS, "all"),
        default="all",
        help="one model, or all three (the text LM first; default)",
    )
    parser.add_argument(
        "--out",
        help="checkpoint directory of one model (default: under --root: hearing_base/ for "
        "qwen2.5-omni, voters/ARCH/ for the others)",
    )
    parser.add_argument("--root", default=str(DEFAULT_ROOT), help="where the models live")
    parser.add_argument(
        "--text-lm", help="the text LM an audio model starts from (default: ROOT/voters/qwen2)"
    )
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
    root = Path(args.root)
    if args.arch == "all":
        info: dict[str, Any] = build_all(root, clips=args.clips, overrides=overrides)
    else:
        text_lm = None if args.arch in TEXT_ARCHS else Path(args.text_lm or root / MODELS["qwen2"])
        if text_lm and not (text_lm / STAMP).is_file():
            parser.error(
                f"--text-lm {text_lm}: no general text LM there; build it first with "
                f"--arch qwen2 --out {text_lm}"
            )
        out = Path(args.out) if args.out else root / MODELS[args.arch]
        info = build_base(
            out, clips=args.clips, overrides=overrides, arch=args.arch, text_lm=text_lm
        )
    print(json.dumps(info, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
