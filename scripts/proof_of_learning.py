"""Proof of learning: the tiny CPU recipe through the literal ``trl`` CLI.

Mixed-to-Strong on the synthetic suite: SFT on its mixed items, then GRPO on its strong items
(answerable only from the audio), each stage launched as ``trl sft|grpo --config
trl_recipes/tiny/*.yaml``. Prints each stage's wall time, final loss and mean accuracy reward,
then the held-out accuracy on strong items (another seed of the suite) with the real audio and
with silence, for the untrained model, after SFT and after GRPO. Target: strong accuracy from
chance (~25 %) to >= 80 % within 5 minutes of training on 2 cores, while silent audio stays near
chance. ``--sft-subset weak`` runs Weak-to-Strong instead. The suite's weak items are
give-away twins of its strong ones (same options), so SFT on them teaches the answer format and
picking a listed option, but once the model copies the given-away answer the audio stops
mattering to the loss, and GRPO has to learn the audio. It does (120 weak SFT steps, 46.9 %
held-out strong, then 100 GRPO steps of the tiny recipe: 57.5 %, silent audio 5.0 %, 241 s in
all on 2 cores), but not to 80 % in 5 minutes; Mixed-to-Strong is the default. All the
measurements are in ``trl_recipes/README.md``.

    python scripts/proof_of_learning.py [--workdir runs/tiny] [--json results.json]

The model and the data are built once under ``--workdir`` (``--rebuild`` to redo; redone by
itself when the suite's texts or sizes change); training items are plentiful (12,000) so
that the model learns from the audio instead of memorising items.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import time
from pathlib import Path
from typing import Any

from audiomcq_plugins.workflows.tiny_recipe import (
    MAX_SECONDS,
    RECIPES,
    REPO,
    build_data,
    evaluate,
    heldout,
    last,
    run_trl,
    trl_command,
)

TARGET_ACCURACY, TARGET_SECONDS = 0.80, 300


def log(msg: str) -> None:
    print(f"[proof] {msg}", flush=True)


def build_model(work: Path) -> Path:
    from audiomcq_plugins.workflows.tiny_recipe import build_model as build

    return build(work / "model")


def fingerprint(args: argparse.Namespace) -> str:
    """What the model and data depend on: the suite's texts (the tokenizer) and its sizes."""
    from audiomcq_plugins.benchmarks import synth

    blob = json.dumps([synth.corpus(), args.train_items, args.heldout_items, MAX_SECONDS])
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def fingerprint_file(work: Path) -> Path:
    return work / "built.fingerprint"


def fresh(work: Path, args: argparse.Namespace) -> bool:
    file = fingerprint_file(work)
    return file.is_file() and file.read_text().strip() == fingerprint(args)


# --- training through the trl CLI ---------------------------------------------------------------


def run_stage(stage: str, work: Path, overrides: dict[str, Any]) -> dict[str, Any]:
    """``trl STAGE --config trl_recipes/tiny/STAGE.yaml`` with path overrides; parsed logs."""
    cmd = trl_command(stage, RECIPES / f"{stage}.yaml", overrides)
    log(" ".join(cmd))
    return run_trl(cmd, work / f"{stage}.log")


# --- main ---------------------------------------------------------------------------------------


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", default=str(REPO / "runs" / "tiny"))
    parser.add_argument("--train-items", type=int, default=12000)
    parser.add_argument("--heldout-items", type=int, default=400)
    parser.add_argument("--stages", default="sft,grpo", help="comma list of sft,grpo")
    parser.add_argument("--sft-subset", default="mixed", choices=("weak", "mixed", "strong"))
    parser.add_argument("--sft-steps", type=int, help="override the recipe's max_steps")
    parser.add_argument("--grpo-steps", type=int, help="override the recipe's max_steps")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="STAGE.KEY=VALUE",
        help="override a recipe field, e.g. grpo.learning_rate=2e-4 (repeatable)",
    )
    parser.add_argument("--rebuild", action="store_true", help="rebuild the model and data")
    parser.add_argument("--json", help="write the results here")
    return parser


def recipe_overrides(parser: argparse.ArgumentParser, sets: list[str]) -> dict[str, dict]:
    """``--set STAGE.KEY=VALUE`` options -> stage -> {key: value}."""
    extra: dict[str, dict[str, str]] = {"sft": {}, "grpo": {}}
    for item in sets:
        key, _, value = item.partition("=")
        stage, _, field = key.partition(".")
        if stage not in extra or not field or not value:
            parser.error(f"--set {item!r}: expected sft.KEY=VALUE or grpo.KEY=VALUE")
        extra[stage][field] = value
    return extra


def model_and_data(work: Path, args: argparse.Namespace) -> Path:
    """Build (or reuse, when built by the same settings) the tiny model and the suite."""
    stale = (work / "data").exists() and not fresh(work, args)
    if (args.rebuild or stale) and work.exists():
        log(f"rebuilding {work}" + (" (built by another suite design or size)" if stale else ""))
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    build_data(work, args.train_items, args.heldout_items, log)
    model = build_model(work)
    fingerprint_file(work).write_text(fingerprint(args) + "\n")
    log(f"model and data ready in {time.perf_counter() - start:.0f} s ({work})")
    return model


def sft_stage(work: Path, model: Path, args: argparse.Namespace, extra: dict, strong) -> dict:
    """Run the SFT recipe from ``model``; its measurements."""
    run = run_stage(
        "sft",
        work,
        {
            "model_name_or_path": model,
            "dataset_name": work / "data" / "sft" / args.sft_subset,
            "output_dir": work / "sft",
            **({"max_steps": args.sft_steps} if args.sft_steps else {}),
            **extra,
        },
    )
    return {
        "seconds": run["seconds"],
        "final_loss": last(run["logs"], "loss"),
        # SFT computes no reward: the accuracy reward of greedy answers on held-out items
        # of the subset it trained on
        "accuracy_reward": evaluate(work / "sft", heldout(work, args.sft_subset))["audio"],
        "heldout_strong": evaluate(work / "sft", strong),
    }


def grpo_stage(work: Path, args: argparse.Namespace, extra: dict, strong) -> dict:
    """Run the GRPO recipe from the SFT checkpoint on strong items; its measurements."""
    run = run_stage(
        "grpo",
        work,
        {
            "model_name_or_path": work / "sft",
            "dataset_name": work / "data" / "grpo" / "strong",
            "output_dir": work / "grpo",
            **({"max_steps": args.grpo_steps} if args.grpo_steps else {}),
            **extra,
        },
    )
    return {
        "seconds": run["seconds"],
        "final_loss": last(run["logs"], "loss"),
        # mean over the last 3 logging windows of training (sampled completions)
        "accuracy_reward": last(run["logs"], "rewards/accuracy_reward/mean", 3),
        "heldout_strong": evaluate(work / "grpo", strong),
    }


def main(argv: list[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    extra = recipe_overrides(parser, args.set)
    work = Path(args.workdir).resolve()
    model = model_and_data(work, args)

    strong = heldout(work, "strong")
    results: dict[str, Any] = {"heldout_strong_items": len(strong)}
    results["base"] = evaluate(model, strong)
    log(f"untrained model, held-out strong: {results['base']}")
    stages = [s.strip() for s in args.stages.split(",") if s.strip()]
    if "sft" in stages:
        results["sft"] = sft_stage(work, model, args, extra["sft"], strong)
        log(f"SFT: {results['sft']}")
    if "grpo" in stages:
        results["grpo"] = grpo_stage(work, args, extra["grpo"], strong)
        log(f"GRPO: {results['grpo']}")

    report(results)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0


def report(results: dict[str, Any]) -> None:
    def pct(x: float | None) -> str:
        return "n/a" if x is None else f"{100 * x:.1f} %"

    def num(x: float | None) -> str:
        return "n/a" if x is None else f"{x:.4f}"

    n = results["heldout_strong_items"]
    print(f"\nProof of learning (tiny Qwen2.5-Omni thinker, synthetic suite, {n} held-out strong)")
    print(
        f"  untrained : strong acc {pct(results['base']['audio'])}, "
        f"silent {pct(results['base']['silence'])}"
    )
    train_seconds = 0.0
    for stage in ("sft", "grpo"):
        r = results.get(stage)
        if not r:
            continue
        train_seconds += r["seconds"]
        reward = r["accuracy_reward"]
        print(
            f"  {stage:<10}: {r['seconds']:.0f} s, final loss {num(r['final_loss'])}, "
            f"mean accuracy reward {pct(reward)}; held-out strong acc "
            f"{pct(r['heldout_strong']['audio'])} "
            f"(silent audio {pct(r['heldout_strong']['silence'])})"
        )
    print(f"  training wall time (both `trl` runs, start-up included): {train_seconds:.0f} s")
    final = results.get("grpo") or results.get("sft")
    if final:
        acc, silent = final["heldout_strong"]["audio"], final["heldout_strong"]["silence"]
        met = acc >= TARGET_ACCURACY and train_seconds <= TARGET_SECONDS and silent <= 0.35
        print(
            f"  target (>= {TARGET_ACCURACY:.0%} strong, silent near chance, <= "
            f"{TARGET_SECONDS} s of training): {'met' if met else 'NOT met'}"
        )


if __name__ == "__main__":
    raise SystemExit(main())
