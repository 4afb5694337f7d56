"""``make demo`` / ``python -m audiomcq_plugins.workflows.demo``: the paper's pipeline on data
without labels, offline, on a laptop CPU.

1. ``suite``: a training pool (seed 0) whose weak/strong labels are *hidden* (removed from its
   metadata, kept aside only to check the vote) and a held-out suite (seed 1);
2. ``general_models``: three general models trained on general data only (captions, silence and
   noise, reading tasks; :mod:`audiomcq_plugins.workflows.pretrain`; cached): the Qwen2.5-Omni
   hearing base, a Qwen2-Audio model and a text-only Qwen2 LM;
3. ``vote``: ``audiomcq contribution label`` of the pool and of the held-out suite by those
   three (2 of 3, 30 s of silence; the text LM with no audio), compared with the hidden labels;
4. ``weak_to_strong``: ``audiomcq train prepare-data --labels`` (the voted labels), then the
   literal ``trl sft`` on voted-weak and ``trl grpo`` on voted-strong items from the hearing base
   (``trl_recipes/tiny/weak_to_strong_{sft,grpo}.yaml``);
5. ``eval``: ``audiomcq eval`` (lm-eval) of the base, the weak-SFT and the trained model on the
   held-out suite: with the clip, with silence, and its ``_acstrong``/``_acweak`` subsets made
   from the voted labels;
6. ``report``: ``audiomcq report`` (``report.md`` and PNG charts), with the vote's confusion.

Everything lands in ``--out`` (default ``runs/demo``): ``commands.txt`` (every command run, in
order), ``summary.json`` (headline numbers, per-stage wall and CPU seconds), the labels with
provenance and their comparison with the hidden ones under ``labels/``, lm-eval's results and
samples under ``eval/``, the ``trl`` logs and checkpoints under ``train/``, the report under
``report/``.
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from audiomcq_plugins import processes
from audiomcq_plugins.workflows import pretrain, tiny_recipe, vote
from audiomcq_plugins.workflows.demo_log import Run, cpu_seconds
from audiomcq_plugins.workflows.demo_summary import TASKS, breakdown_table, headline, print_headline

#: In order; one name and one call in :func:`_demo` each.
STAGES = ("suite", "general_models", "vote", "weak_to_strong", "eval", "report")
#: The evaluated models (``eval/<name>``): the hearing base, after weak SFT, after GRPO.
MODELS = ("base", "sft", "trained")
#: ``--quick``: a few steps of every stage on a handful of items (the wiring test).
QUICK = {
    "train_items": 48,
    "heldout_items": 8,
    "clips": 16,
    "pretrain": {"max_steps": 2, "per_device_train_batch_size": 4},
    "sft": {"max_steps": 2, "per_device_train_batch_size": 4},
    "grpo": {"max_steps": 1, "per_device_train_batch_size": 8},
}


def train_stage(run: Run, stage: str, recipe: str, overrides: dict[str, Any]) -> dict[str, Any]:
    """One literal ``trl`` run of a tiny recipe; returns its timings and final logs."""
    cmd = tiny_recipe.trl_command(stage, tiny_recipe.RECIPES / recipe, overrides)
    run.command(cmd)
    run.say("  " + shlex.join(cmd))
    result = tiny_recipe.run_trl(
        cmd, run.out / "train" / f"{stage}.log", run.progress(f"trl {stage}")
    )
    return {
        "seconds": round(result["seconds"], 1),
        "cpu_seconds": round(result["cpu_seconds"], 1),
        "final_loss": tiny_recipe.last(result["logs"], "loss"),
        "accuracy_reward": tiny_recipe.last(result["logs"], "rewards/accuracy_reward/mean", 3),
    }


def audiomcq(run: Run, argv: list[str], what: str) -> None:
    """One ``audiomcq`` command, in process, logged to ``commands.txt``."""
    from audiomcq_plugins.cli import main as cli

    run.command(["audiomcq", *argv])
    status = cli(argv)
    if status == processes.INTERRUPTED:  # it printed its own line; the demo stops as interrupted
        raise KeyboardInterrupt
    if status:
        raise SystemExit(f"{what} failed (command in {run.commands})")


def evaluate(run: Run, name: str, model: Path, heldout: Path, labels: Path) -> dict[str, Any]:
    """``audiomcq eval`` (lm-eval) of ``model`` on the held-out suite: clip, silence, and the
    subsets of the voted ``labels``."""
    from audiomcq_plugins.prompts import AUDIOMCQ_SYSTEM_PROMPT

    out = run.out / "eval" / name
    shutil.rmtree(out, ignore_errors=True)  # an earlier run's results would be read twice
    metadata = {
        "sources": {vote.BENCHMARK: str(heldout)},
        "contribution_labels": {vote.BENCHMARK: str(labels)},
    }
    argv = [
        "eval",
        "--model",
        "audiomcq-hf",
        "--model_args",
        f"pretrained={model},max_new_tokens=16,trust_remote_code=True,"
        f"system_prompt={AUDIOMCQ_SYSTEM_PROMPT}",
        "--batch_size",
        "64",
        "--device",
        "cpu",
        "--tasks",
        ",".join(TASKS),
        "--metadata",
        json.dumps(metadata),
        "--output_path",
        str(out),
        "--log_samples",
    ]
    from audiomcq_plugins.contribution.labels import read

    voted = set(read(labels)[1].values())  # a subset the vote left empty has no task
    tasks = [t for t in TASKS if "_ac" not in t or t.rsplit("_ac", 1)[1] in voted]
    argv[argv.index("--tasks") + 1] = ",".join(tasks)
    audiomcq(run, argv, f"audiomcq eval of {name}")
    files = sorted(out.rglob("results_*.json"), key=lambda p: p.stat().st_mtime)
    results = json.loads(files[-1].read_text())
    (out / "breakdown.txt").write_text(breakdown_table(results) + "\n")
    return {"results_file": str(files[-1]), **headline(results)}


def report(run: Run, labels: Path) -> str:
    """``audiomcq report`` over the evaluated models, with the vote's confusion."""
    out = run.out / "report"
    argv = ["report", *(str(run.out / "eval" / name) for name in MODELS), "--out", str(out)]
    audiomcq(run, [*argv, "--labels", str(labels)], "audiomcq report")
    return str(out / "report.md")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m audiomcq_plugins.workflows.demo", description=__doc__
    )
    parser.add_argument("--out", default=str(tiny_recipe.REPO / "runs" / "demo"))
    parser.add_argument(
        "--models-dir",
        default=str(tiny_recipe.REPO / "runs"),
        help="where the general models are cached (hearing_base/, voters/)",
    )
    parser.add_argument("--train-items", type=int, default=2000)
    parser.add_argument("--heldout-items", type=int, default=400)
    parser.add_argument(
        "--ablations",
        action="store_true",
        help="also vote on the held-out suite with clip-length silence and with noise",
    )
    parser.add_argument("--quick", action="store_true", help="a few steps of every stage")
    return parser


def _general_models(run: Run, root: Path, quick: dict[str, Any]) -> dict[str, Path]:
    """The three general models (built unless cached), keyed by architecture."""
    run.say("  a text-only Qwen2 LM, then the Qwen2.5-Omni hearing base and a Qwen2-Audio model")
    built = pretrain.build_all(
        root,
        clips=quick.get("clips", pretrain.DEFAULT_CLIPS),
        overrides=quick.get("pretrain", {}),
        log=lambda msg: run.say("  " + msg),
        on_log=lambda arch: run.progress(f"trl sft ({arch})"),
    )
    for info in built.values():
        run.command(info["command"])
    return {arch: Path(info["dir"]) for arch, info in built.items()}


def _vote(
    run: Run,
    suites: dict[str, Path],
    truth: dict[str, dict[str, str]],
    voters: dict[str, Path],
    ablations: bool,
) -> dict[str, Any]:
    """Labels of the pool and the held-out suite by the voters, each compared with the hidden
    ones; with ``ablations``, the held-out suite again with clip-length silence and noise."""
    jobs = [("pool", "30s"), ("heldout", "30s")]
    if ablations:
        jobs += [("heldout", "clip"), ("heldout", "noise")]
    result: dict[str, Any] = {}
    for name, silence in jobs:
        out = run.out / "labels" / f"{name}_{silence}.jsonl"
        vote.label(lambda argv, what: audiomcq(run, argv, what), suites[name], voters, out, silence)
        found = vote.compare(out, truth[name])
        run.say(
            f"  {name}, {silence} silence: precision(weak) {found['precision_weak']:.3f}  "
            f"recall(weak) {found['recall_weak']:.3f}"
        )
        result[f"{name}_{silence}"] = {"labels_file": str(out), **found}
    return result


def _weak_to_strong(
    run: Run, base: Path, pool: Path, labels: Path, quick: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """TRL data from the pool and its voted labels, then ``trl sft`` on voted-weak items from
    ``base`` and ``trl grpo`` on voted-strong ones."""
    from audiomcq_plugins.benchmarks.spec import get_spec
    from audiomcq_plugins.items import write_items

    items = run.out / "data" / "pool.items.jsonl"
    write_items(get_spec(vote.BENCHMARK).load(pool).items, items)
    data, train = run.out / "data" / "voted", run.out / "train"
    argv = ["train", "prepare-data", "--items", str(items), "--data-root", str(pool),
            "--out", str(data), "--labels", str(labels), "--skip-audio"]  # fmt: skip
    audiomcq(run, argv, "audiomcq train prepare-data")
    counts = json.loads((data / "manifest.json").read_text())["counts"]
    stages = []
    for stage, recipe, start, subset in (
        ("sft", "weak_to_strong_sft.yaml", base, "weak"),
        ("grpo", "weak_to_strong_grpo.yaml", train / "w2s_sft", "strong"),
    ):
        if not counts[subset]:
            if not quick:
                raise SystemExit(
                    f"the vote labelled no pool item {subset}: nothing to {stage.upper()} on "
                    f"(labels: {labels}); check the voters (labels/*.recovery.json)"
                )
            run.say(f"  --quick: the vote found no {subset} items; {stage} on the whole pool")
            subset = "mixed"
        overrides = {
            "model_name_or_path": start,
            "dataset_name": data / stage / subset,
            "output_dir": train / f"w2s_{stage}",
            **quick.get(stage, {}),
        }
        stages.append(train_stage(run, stage, recipe, overrides))
    return stages[0], stages[1]


def main(argv: list[str] | None = None) -> int:
    """The demo; Ctrl-C or SIGTERM end it (and what it started) in one line, status 130."""
    args = _parser().parse_args(argv)
    hint = "re-run the same command: the general models and every answer already voted are reused"
    return processes.interruptible(lambda: _demo(args), "demo", hint)


def _demo(args: argparse.Namespace) -> int:
    quick = QUICK if args.quick else {}
    n_train = quick.get("train_items", args.train_items)
    n_test = quick.get("heldout_items", args.heldout_items)

    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    run = Run(out, STAGES)
    summary: dict[str, Any] = {"out": str(out), "train_items": n_train}

    done = run.stage("suite", f"{n_train} training items (labels hidden), {n_test} held-out")
    data = out / "data" / f"n{n_train}-{n_test}"
    suites = {"pool": data / "synth-pool", "heldout": data / "synth-heldout"}
    tiny_recipe.suite(suites["pool"], n_train, tiny_recipe.TRAIN_SEED)
    truth = {"pool": vote.hide_labels(suites["pool"], data / "pool_hidden_labels.json")}
    tiny_recipe.suite(suites["heldout"], n_test, tiny_recipe.HELDOUT_SEED)
    truth["heldout"] = vote.shipped_labels(suites["heldout"])
    done()

    done = run.stage("general_models", "general models (captions, silence, reading; cached)")
    voters = _general_models(run, Path(args.models_dir).resolve(), quick)
    done()

    done = run.stage("vote", "silent-audio vote of the three general models (2 of 3)")
    summary["vote"] = _vote(run, suites, truth, voters, args.ablations)
    pool_labels = Path(summary["vote"]["pool_30s"]["labels_file"])
    heldout_labels = Path(summary["vote"]["heldout_30s"]["labels_file"])
    done()

    done = run.stage("weak_to_strong", "Weak-to-Strong on voted labels: trl sft, then trl grpo")
    base = voters["qwen2.5-omni"]
    sft_dir, grpo_dir = out / "train" / "w2s_sft", out / "train" / "w2s_grpo"
    summary["sft"], summary["grpo"] = _weak_to_strong(run, base, suites["pool"], pool_labels, quick)
    done()

    done = run.stage("eval", "audiomcq eval (lm-eval), held-out: clip, silence, voted subsets")
    models = dict(zip(MODELS, (base, sft_dir, grpo_dir), strict=True))
    summary["eval"] = {
        name: evaluate(run, name, m, suites["heldout"], heldout_labels)
        for name, m in models.items()
    }
    done()

    done = run.stage("report", "audiomcq report: clip vs silence, weak/strong, the vote, charts")
    summary["report"] = report(run, heldout_labels)
    done()

    summary["stages"] = run.stages
    summary["total_seconds"] = round(time.perf_counter() - run.start, 1)
    summary["total_cpu_seconds"] = round(cpu_seconds(), 1)
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print_headline(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
