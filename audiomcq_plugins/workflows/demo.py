"""``make demo`` / ``python -m audiomcq_plugins.workflows.demo``: the main job, offline, on a
laptop CPU.

1. the synthetic suite: training items (seed 0) and held-out items (seed 1), weak/strong known
   by construction, as TRL-ready data;
2. the hearing base: a tiny Qwen2.5-Omni thinker pretrained to describe clips
   (:mod:`audiomcq_plugins.workflows.pretrain`; cached, rebuilt when its inputs change);
3. Weak-to-Strong through the literal ``trl sft`` (weak items) and ``trl grpo`` (strong items)
   with ``trl_recipes/tiny/weak_to_strong_{sft,grpo}.yaml``;
4. ``audiomcq eval`` (lm-eval) of the base, the weak-SFT and the trained model on the held-out
   suite, with the clip and with silence;
5. ``audiomcq contribution label --from-samples``: weak/strong labels of the held-out suite by
   the silent-audio vote of those three models (2 of 3), compared with the labels known by
   construction (precision and recall of "weak");
6. ``audiomcq report``: ``report.md`` and PNG charts of the three models' audio reliance.

Everything lands in ``--out`` (default ``runs/demo``): ``commands.txt`` (every command run, in
order), ``summary.json`` (headline numbers, per-stage wall and CPU seconds), lm-eval's results
and samples under ``eval/``, the ``trl`` logs and checkpoints under ``train/``, the labels and
their comparison with the construction under ``labels/``, the report under ``report/``.
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from audiomcq_plugins.workflows import pretrain, tiny_recipe

TASKS = ("audiomcq_synth", "audiomcq_synth_silent")
#: In order; one name and one call in :func:`main` each.
STAGES = ("suite", "hearing_base", "weak_to_strong", "eval", "labels", "report")
#: The evaluated models (``eval/<name>``): the hearing base, after weak SFT, after GRPO. Their
#: silent runs are the three voters of the contribution labels.
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


def breakdown_table(results: dict[str, Any]) -> str:
    """Rows: the overall metrics and every ``acc_<field>_<value>``; columns: clip, silent,
    clip - silent."""
    clip, silent = (results["results"].get(t, {}) for t in TASKS)
    rows = []
    for key in clip:
        if not key.endswith(",none") or "_stderr" in key:
            continue
        metric = key.removesuffix(",none")
        a, b = clip.get(key), silent.get(key)
        if not isinstance(a, float) or not isinstance(b, float):
            continue
        rows.append((metric, a, b))
    width = max(len(m) for m, _, _ in rows) if rows else 10
    lines = [f"{'metric':<{width}}  {'clip':>6}  {'silent':>6}  {'delta':>6}"]
    lines.append("-" * len(lines[0]))
    for metric, a, b in rows:
        lines.append(f"{metric:<{width}}  {a:6.3f}  {b:6.3f}  {a - b:+6.3f}")
    return "\n".join(lines)


class Run:
    """The demo's output directory: progress lines, the command log, per-stage timings."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.start = time.perf_counter()
        self.stages: dict[str, dict[str, float]] = {}
        self.commands = out / "commands.txt"
        self.commands.write_text("")

    def say(self, msg: str) -> None:
        print(f"[demo {time.perf_counter() - self.start:5.0f} s] {msg}", flush=True)

    def command(self, cmd: list[str]) -> None:
        with open(self.commands, "a") as fh:
            fh.write(shlex.join(cmd) + "\n")

    def stage(self, name: str, title: str) -> Callable[[], None]:
        """Announce stage ``name``; call the returned function when it ends."""
        number = f"{STAGES.index(name) + 1}/{len(STAGES)}"
        self.say(f"[{number}] {title}")
        wall, cpu = time.perf_counter(), _cpu()

        def done() -> None:
            self.stages[name] = {
                "seconds": round(time.perf_counter() - wall, 1),
                "cpu_seconds": round(_cpu() - cpu, 1),
            }
            self.say(f"[{number}] {name} done in {self.stages[name]['seconds']:.0f} s")

        return done

    def progress(self, label: str) -> Callable[[dict[str, float]], None]:
        """A ``run_trl`` callback printing each logged step."""
        seen = [0]

        def on_log(record: dict[str, float]) -> None:
            if "loss" not in record:
                return
            seen[0] += 1
            reward = record.get("rewards/accuracy_reward/mean")
            extra = f", accuracy reward {reward:.2f}" if reward is not None else ""
            epoch = record.get("epoch", 0.0)
            self.say(
                f"  {label}: log {seen[0]}, loss {record['loss']:.3f}{extra} (epoch {epoch:.2f})"
            )

        return on_log


def _cpu() -> float:
    import os

    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


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
    if cli(argv):
        raise SystemExit(f"{what} failed (command in {run.commands})")


def evaluate(run: Run, name: str, model: Path, heldout_suite: Path) -> dict[str, Any]:
    """``audiomcq eval`` (lm-eval) of ``model`` on the held-out suite, clip and silent."""
    from audiomcq_plugins.prompts import AUDIOMCQ_SYSTEM_PROMPT

    out = run.out / "eval" / name
    shutil.rmtree(out, ignore_errors=True)  # an earlier run's results would vote twice
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
        json.dumps({"sources": {"audiomcq_synth": str(heldout_suite)}}),
        "--output_path",
        str(out),
        "--log_samples",
    ]
    audiomcq(run, argv, f"audiomcq eval of {name}")
    files = sorted(out.rglob("results_*.json"), key=lambda p: p.stat().st_mtime)
    results = json.loads(files[-1].read_text())
    (out / "breakdown.txt").write_text(breakdown_table(results) + "\n")
    return {"results_file": str(files[-1]), **headline(results)}


def label(run: Run, heldout_suite: Path) -> dict[str, Any]:
    """The silent-audio vote of the evaluated models (from their samples), compared with the
    held-out suite's labels known by construction."""
    from audiomcq_plugins.benchmarks.spec import get_spec
    from audiomcq_plugins.contribution import labels, recovery

    out = run.out / "labels"
    labels_file = out / "heldout_labels.jsonl"
    samples = [str(run.out / "eval" / name) for name in MODELS]
    argv = ["contribution", "label", "--benchmark", TASKS[0], "--from-samples", *samples]
    audiomcq(run, [*argv, "--out", str(labels_file)], "audiomcq contribution label")
    items = get_spec(TASKS[0]).load(heldout_suite).items
    truth = {item.id: str(item.audio_contribution) for item in items}
    result = recovery.recovery(truth, labels.read(labels_file)[1])
    (out / "recovery.json").write_text(json.dumps(result, indent=2) + "\n")
    for line in recovery.describe(result):
        run.say("  " + line)
    return {"labels_file": str(labels_file), **result}


def report(run: Run) -> str:
    """``audiomcq report`` over the clip and silent runs of the evaluated models."""
    out = run.out / "report"
    argv = ["report", *(str(run.out / "eval" / name) for name in MODELS), "--out", str(out)]
    audiomcq(run, argv, "audiomcq report")
    return str(out / "report.md")


def headline(results: dict[str, Any]) -> dict[str, float]:
    """Strong/weak accuracy with the clip and with silence, and the unparsed rate."""
    clip, silent = (results["results"][t] for t in TASKS)
    return {
        "strong": clip["acc_audio_contribution_strong,none"],
        "strong_silent": silent["acc_audio_contribution_strong,none"],
        "weak": clip["acc_audio_contribution_weak,none"],
        "weak_silent": silent["acc_audio_contribution_weak,none"],
        "unparsed": clip["unparsed,none"],
    }


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m audiomcq_plugins.workflows.demo", description=__doc__
    )
    parser.add_argument("--out", default=str(tiny_recipe.REPO / "runs" / "demo"))
    parser.add_argument("--base", default=str(pretrain.DEFAULT_OUT), help="hearing base dir")
    parser.add_argument("--train-items", type=int, default=4000)
    parser.add_argument("--heldout-items", type=int, default=400)
    parser.add_argument("--quick", action="store_true", help="a few steps of every stage")
    return parser


def _hearing_base(run: Run, base: Path, quick: dict[str, Any]) -> dict[str, Any]:
    info = pretrain.build_base(
        base,
        clips=quick.get("clips", pretrain.DEFAULT_CLIPS),
        overrides=quick.get("pretrain", {}),
        log=run.say,
        on_log=run.progress("trl sft (pretrain)"),
    )
    run.command(info["command"])
    return {k: info[k] for k in ("cached", "seconds", "cpu_seconds", "final_loss")}


def _weak_to_strong(
    run: Run, base: Path, data: Path, train: Path, quick: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``trl sft`` on the weak items from ``base``, then ``trl grpo`` on the strong ones."""
    stages = []
    for stage, recipe, start, subset in (
        ("sft", "weak_to_strong_sft.yaml", base, "weak"),
        ("grpo", "weak_to_strong_grpo.yaml", train / "w2s_sft", "strong"),
    ):
        overrides = {
            "model_name_or_path": start,
            "dataset_name": data / "data" / stage / subset,
            "output_dir": train / f"w2s_{stage}",
            **quick.get(stage, {}),
        }
        stages.append(train_stage(run, stage, recipe, overrides))
    return stages[0], stages[1]


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    quick = QUICK if args.quick else {}
    n_train = quick.get("train_items", args.train_items)
    n_test = quick.get("heldout_items", args.heldout_items)

    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    run = Run(out)
    summary: dict[str, Any] = {"out": str(out)}

    done = run.stage("suite", f"synthetic suite: {n_train} training, {n_test} held-out items")
    data = out / "data" / f"n{n_train}-{n_test}"
    tiny_recipe.build_data(data, n_train, n_test, run.say)
    heldout_suite = data / "synth-heldout"
    done()

    done = run.stage("hearing_base", f"hearing base (pretrained to describe clips) -> {args.base}")
    base = Path(args.base).resolve()
    summary["hearing_base"] = _hearing_base(run, base, quick)
    done()

    done = run.stage("weak_to_strong", "Weak-to-Strong: trl sft on weak, trl grpo on strong")
    sft_dir, grpo_dir = out / "train" / "w2s_sft", out / "train" / "w2s_grpo"
    summary["sft"], summary["grpo"] = _weak_to_strong(run, base, data, out / "train", quick)
    done()

    done = run.stage("eval", "audiomcq eval (lm-eval), held-out suite, clip and silence")
    models = dict(zip(MODELS, (base, sft_dir, grpo_dir), strict=True))
    summary["eval"] = {name: evaluate(run, name, m, heldout_suite) for name, m in models.items()}
    done()

    done = run.stage("labels", "contribution labels: silent-audio vote of the three models")
    summary["labels"] = label(run, heldout_suite)
    done()

    done = run.stage("report", "audiomcq report: clip vs silence, weak/strong, charts")
    summary["report"] = report(run)
    done()

    summary["stages"] = run.stages
    summary["total_seconds"] = round(time.perf_counter() - run.start, 1)
    summary["total_cpu_seconds"] = round(_cpu(), 1)
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print_headline(summary)
    return 0


def print_headline(summary: dict[str, Any]) -> None:
    """The last lines: where everything is, then the headline numbers."""
    out = Path(summary["out"])
    names = {"base": "hearing base", "sft": "weak SFT", "trained": "Weak-to-Strong"}
    print(f"\nresults: {out / 'eval'}  commands: {out / 'commands.txt'}")
    print(f"summary: {out / 'summary.json'}  labels: {summary['labels']['labels_file']}")
    print(f"report:  {summary['report']} (+ PNG charts beside it)")
    print("held-out items, accuracy (strong items need the audio; chance 25 %):")
    for name, r in summary["eval"].items():
        pct = {k: f"{100 * v:5.1f} %" for k, v in r.items() if isinstance(v, float)}
        print(
            f"  {names.get(name, name):<15} strong {pct['strong']}  silent {pct['strong_silent']}"
            f"  weak {pct['weak']}  unparsed {pct['unparsed']}"
        )
    lab = summary["labels"]
    print(
        f"silent-audio vote (2 of 3) vs construction: precision(weak) "
        f"{lab['precision_weak']:.3f}  recall(weak) {lab['recall_weak']:.3f}  "
        f"({lab['voted_weak']} voted weak, {lab['constructed_weak']} weak of {lab['items']})"
    )
    print(
        f"done in {summary['total_seconds']:.0f} s "
        f"({summary['total_cpu_seconds']:.0f} s of CPU, training subprocesses included)"
    )


if __name__ == "__main__":
    sys.exit(main())
