"""The paper's table in miniature: Mixed-to-Mixed, Mixed-to-Strong and Weak-to-Strong from the
same hearing base, with equal training budgets, through the literal ``trl`` CLI.

Each paradigm is one ``trl sft`` then one ``trl grpo`` run with the Weak-to-Strong tiny recipes
(``trl_recipes/tiny/weak_to_strong_{sft,grpo}.yaml``: same steps, batch sizes and learning rates
for all three); only the datasets differ:

| paradigm | SFT on | GRPO on |
| --- | --- | --- |
| Mixed-to-Mixed (the paper's baseline) | mixed | mixed |
| Mixed-to-Strong | mixed | strong |
| Weak-to-Strong | weak | strong |

Held-out accuracy is measured after each stage. Each finished stage and measurement is kept in
the run's folder (``<stage>.done.json``, ``<stage>.heldout.json``) under a key of its inputs
(command, recipe, input model), so a re-run resumes and redoes only what changed.

Prints greedy held-out accuracy on strong and on weak items, each with the clip and with
silence, with binomial standard errors (1,600 held-out items hold about 700 strong ones: a
standard error of at most 1.9 points), and writes them to ``--json``::

    python scripts/paradigm_table.py [--heldout-items 1600] [--seeds 0] [--json table.json]

With ``--labels`` (a labels file of the silent-audio vote of the training pool, as ``make demo``
writes to ``runs/demo/labels/pool_30s.jsonl``), the SFT and GRPO subsets come from the voted
labels instead of the construction; held-out accuracy is still reported on the items that are
strong and weak by construction::

    python scripts/paradigm_table.py --train-items 2000 --labels runs/demo/labels/pool_30s.jsonl \
        --seeds 0,1 --json runs/paradigms/voted.json
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from audiomcq_plugins.cache import sha256_bytes
from audiomcq_plugins.workflows import pretrain, tiny_recipe

PARADIGMS = {
    "Mixed-to-Mixed": ("mixed", "mixed"),
    "Mixed-to-Strong": ("mixed", "strong"),
    "Weak-to-Strong": ("weak", "strong"),
}


def log(msg: str) -> None:
    print(f"[table] {msg}", flush=True)


def stderr(p: float, n: int) -> float:
    return math.sqrt(p * (1 - p) / n) if n else float("nan")


def cached(path: Path, key: str, compute: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """``compute()``, remembered in ``path`` under ``key``: a re-run skips what an earlier run
    finished with the same inputs."""
    if path.is_file():
        kept = json.loads(path.read_text())
        if kept.get("key") == key:
            return kept
    result = {"key": key, **compute()}
    path.write_text(json.dumps(result, indent=2) + "\n")
    return result


def train_stage(
    run_dir: Path, stage: str, model: tuple[Path, str], dataset: Path, seed: int
) -> tuple[Path, str]:
    """One ``trl`` stage of a paradigm; ``model`` and the result are (directory, key), the key
    covering the command, the recipe and the input model's key, so that a stage is skipped
    only when an earlier run trained it from the same inputs."""
    out = run_dir / stage
    recipe = tiny_recipe.RECIPES / f"weak_to_strong_{stage}.yaml"
    cmd = tiny_recipe.trl_command(
        stage,
        recipe,
        {"model_name_or_path": model[0], "dataset_name": dataset, "output_dir": out, "seed": seed},
    )
    key = sha256_bytes(json.dumps([cmd, recipe.read_text(), model[1]]).encode())

    def run() -> dict[str, Any]:
        log(" ".join(cmd))
        return {"seconds": round(tiny_recipe.run_trl(cmd, run_dir / f"{stage}.log")["seconds"], 1)}

    run_dir.mkdir(parents=True, exist_ok=True)
    cached(run_dir / f"{stage}.done.json", key, run)
    return out, key


def measure(model: Path, data: Path) -> dict[str, Any]:
    strong = tiny_recipe.heldout(data, "strong")
    weak = tiny_recipe.heldout(data, "weak")
    s, w = tiny_recipe.evaluate(model, strong), tiny_recipe.evaluate(model, weak)
    return {
        "strong": s["audio"],
        "strong_silent": s["silence"],
        "weak": w["audio"],
        "weak_silent": w["silence"],
        "n_strong": len(strong),
        "n_weak": len(weak),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", default=str(tiny_recipe.REPO / "runs" / "paradigms"))
    parser.add_argument(
        "--models-dir",
        default=str(pretrain.DEFAULT_ROOT),
        help="where the general models are built or cached (the hearing base is one of them)",
    )
    parser.add_argument(
        "--labels",
        help="weak/strong labels of the training pool from the silent-audio vote (e.g. "
        "runs/demo/labels/pool_30s.jsonl, with the --train-items it was made on); "
        "default: the labels known by construction",
    )
    parser.add_argument("--train-items", type=int, default=4000)
    parser.add_argument("--heldout-items", type=int, default=1600)
    parser.add_argument("--seeds", default="0", help="comma list of training seeds")
    parser.add_argument("--paradigms", default=",".join(PARADIGMS))
    parser.add_argument("--json", help="write the table here")
    args = parser.parse_args(argv)

    work = Path(args.work).resolve()
    labels = Path(args.labels).resolve() if args.labels else None
    # voted labels train from data of their own; held-out items keep their construction labels
    data = work / (f"data-voted-{sha256_bytes(labels.read_bytes())[:10]}" if labels else "data")
    tiny_recipe.build_data(data, args.train_items, args.heldout_items, log, labels=labels)
    root = Path(args.models_dir).resolve()
    pretrain.build_all(root, log=log)
    base = root / pretrain.MODELS["qwen2.5-omni"]
    rows: list[dict[str, Any]] = []
    for seed in [int(s) for s in args.seeds.split(",")]:
        for name in args.paradigms.split(","):
            run_dir = work / "runs" / data.name / f"{name}-seed{seed}"
            model = (base, sha256_bytes((base / "hearing_base.json").read_bytes()))
            for stage, subset in zip(("sft", "grpo"), PARADIGMS[name], strict=True):
                model = train_stage(run_dir, stage, model, data / "data" / stage / subset, seed)
                row = {"paradigm": name, "stage": stage, "seed": seed}
                scores = cached(
                    run_dir / f"{stage}.heldout.json", model[1], lambda m=model[0]: measure(m, data)
                )
                row.update({k: v for k, v in scores.items() if k != "key"})
                log(f"{name} seed {seed} after {stage}: {row}")
                rows.append(row)
    print_table(rows)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n")
    return 0


def print_table(rows: list[dict[str, Any]]) -> None:
    """One line per paradigm and stage, mean over seeds; the standard error is the binomial
    one of the pooled items."""
    print(
        "\n| paradigm | after | seeds | held-out strong | strong, silent audio | held-out weak "
        "| weak, silent audio |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name, stage in dict.fromkeys((r["paradigm"], r["stage"]) for r in rows):
        mine = [r for r in rows if (r["paradigm"], r["stage"]) == (name, stage)]
        cells = []
        for key, n_key in (
            ("strong", "n_strong"),
            ("strong_silent", "n_strong"),
            ("weak", "n_weak"),
            ("weak_silent", "n_weak"),
        ):
            p = sum(r[key] for r in mine) / len(mine)
            n = sum(r[n_key] for r in mine)
            cells.append(f"{100 * p:.1f} ± {100 * stderr(p, n):.1f} %")
        print(f"| {name} | {stage.upper()} | {len(mine)} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    raise SystemExit(main())
