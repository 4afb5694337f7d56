"""Seconds per audio GRPO step: our trainer (TRL's GRPOTrainer with our audio mixin) against
ms-swift's ``swift rlhf --rlhf_type grpo`` (the AudioMCQ paper's framework), side by side on the
same tiny Qwen2.5-Omni and the same items (64 synthetic-suite questions, clips of 0.5-2 s).

    python perf/grpo_vs_ms_swift.py --swift-python /path/to/swift-env/bin/python
        [--steps 6] [--repeat 2] [--size tiny|small] [--threads 1]

ms-swift lives in its own environment (it pins transformers < 5.20 and trl < 1.0); give its
Python. Run this script with an environment of the same torch release, so that the ratio
measures the trainers, not torch (``.venv-lmms`` has torch 2.14, like a fresh ms-swift env).

Both train the same random tiny Qwen2.5-Omni (ms-swift the full checkpoint, whose thinker it
trains; ours the thinker extracted from it) on the same 64 strong items, with the settings of
``trl_recipes/tiny/grpo.yaml``: 16 prompts x 4 generations per step, 16 completion tokens at
most, temperature 1.0, top-k 4, beta 0, lr 1e-4, float32, full fine-tuning, no vLLM, one cheap
format reward. Each tool's steps are timed by the tool itself
(our trainer callback; ms-swift's ``step_time`` log field); the first step is warm-up and left
out, and the median of the rest is taken. ``--repeat`` interleaved runs of each; printed: each
run's median, the median over runs, and ours / ms-swift.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
#: The step settings both tools run (trl_recipes/tiny/grpo.yaml's).
SETTINGS = {
    "num_generations": 4,
    "per_device_train_batch_size": 64,
    "max_completion_length": 16,
    "temperature": 1.0,
    "top_k": 4,
    "beta": 0.0,
    "learning_rate": 1e-4,
}


def build(work: Path, size: str) -> None:
    """The full tiny Omni checkpoint (with a full processor, as ms-swift loads it), its thinker,
    64 prepared items in our TRL layout and the same rows in ms-swift's."""
    from audiomcq_plugins.audio import SAMPLE_RATE, write_audio
    from audiomcq_plugins.benchmarks.suite_fixtures import examples
    from audiomcq_plugins.integrations.trl.data import prepare
    from audiomcq_plugins.items import Item, write_items
    from audiomcq_plugins.models.processors import save_full_omni_processor
    from audiomcq_plugins.models.thinker import extract_thinker
    from audiomcq_plugins.models.tiny import build_tiny_model

    full = build_tiny_model("qwen2.5-omni", work / "full", size=size, seed=0)
    _no_media_tokens(full)
    extract_thinker(full, work / "thinker")
    save_full_omni_processor(full)
    items = []
    (work / "clips").mkdir()
    for i, (ex, audio) in enumerate(examples(64, 0, 2.0)):
        write_audio(work / "clips" / f"clip{i}.wav", audio, SAMPLE_RATE)
        items.append(Item(f"s{i}", "synth", "train", f"clip{i}.wav", ex["question"],
                          ex["choices"], ex["answer"], audio_contribution="strong"))  # fmt: skip
    write_items(items, work / "items.jsonl")
    prepare(work / "items.jsonl", work / "clips", work / "trl")
    with open(work / "swift.jsonl", "w", encoding="utf-8") as out:
        for line in open(work / "trl" / "grpo" / "strong" / "train.jsonl", encoding="utf-8"):
            row = json.loads(line)
            system, user = row["prompt"][0]["content"][0]["text"], row["prompt"][1]["content"]
            messages = [
                {"role": "system", "content": system},
                {"role": "user", "content": "<audio>" + user[1]["text"]},
            ]
            record = {"messages": messages, "audios": [user[0]["audio"]]}
            out.write(json.dumps({**record, "solution": row["solution"]}) + "\n")


def _no_media_tokens(full: Path) -> None:
    """Zero the output rows of the audio, image and video placeholder tokens: a random model
    sampling one (top-k 4 of random logits: a logit of 0 is never among them) makes a
    completion neither trainer can encode (a placeholder without its media)."""
    from safetensors.torch import load_file, save_file
    from transformers import AutoTokenizer

    ids = AutoTokenizer.from_pretrained(full).convert_tokens_to_ids(
        ["<|AUDIO|>", "<|IMAGE|>", "<|VIDEO|>"]
    )
    weights = load_file(full / "model.safetensors")
    weights["thinker.lm_head.weight"][ids] = 0.0
    save_file(weights, full / "model.safetensors", metadata={"format": "pt"})


def ours(work: Path, steps: int) -> list[float]:
    """Our trainer's seconds per step (a callback around each optimizer step)."""
    import torch
    from transformers import TrainerCallback

    from audiomcq_plugins.integrations.trl.data import load_jsonl_dataset
    from audiomcq_plugins.integrations.trl.grpo import AudioGRPOConfig, AudioGRPOTrainer
    from audiomcq_plugins.integrations.trl.rewards import format_reward

    times: list[float] = []

    class Clock(TrainerCallback):
        def on_step_begin(self, args, state, control, **kw):  # noqa: ANN001
            self.t = time.perf_counter()

        def on_step_end(self, args, state, control, **kw):  # noqa: ANN001
            times.append(time.perf_counter() - self.t)

    config = AudioGRPOConfig(
        output_dir=str(work / "out-ours"), max_steps=steps, report_to=[], save_strategy="no",
        use_cpu=not torch.cuda.is_available(), gradient_checkpointing=False, seed=0,
        lr_scheduler_type="constant", dataloader_num_workers=0, **SETTINGS,
    )  # fmt: skip
    AudioGRPOTrainer(
        model=str(work / "thinker"),
        reward_funcs=format_reward,
        args=config,
        train_dataset=load_jsonl_dataset(work / "trl" / "grpo" / "strong"),
        callbacks=[Clock()],
    ).train()
    return times


def swift(work: Path, steps: int, python: str, env: dict[str, str]) -> list[float]:
    """ms-swift's seconds per step (its ``step_time`` log field)."""
    out = Path(tempfile.mkdtemp(prefix="swift-", dir=work))
    cmd = [str(Path(python).parent / "swift"), "rlhf", "--rlhf_type", "grpo",
           "--model", str(work / "full"), "--model_type", "qwen2_5_omni",
           "--dataset", str(work / "swift.jsonl"), "--reward_funcs", "format",
           "--max_steps", str(steps), "--tuner_type", "full", "--torch_dtype", "float32",
           "--use_vllm", "false", "--report_to", "none", "--save_strategy", "no",
           "--output_dir", str(out), "--dataloader_num_workers", "0",
           "--gradient_checkpointing", "false", "--split_dataset_ratio", "0",
           "--lr_scheduler_type", "constant", "--logging_steps", "1", "--seed", "0"]  # fmt: skip
    for key, value in SETTINGS.items():
        cmd += [f"--{key}", str(value)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    logs = sorted(out.rglob("logging.jsonl"))
    if proc.returncode or not logs:
        raise RuntimeError(f"swift rlhf failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    records = [json.loads(line) for line in logs[0].read_text().splitlines()]
    return [float(r["step_time"]) for r in records if "step_time" in r]


def _child(args: argparse.Namespace, env: dict[str, str]) -> list[float]:
    cmd = [sys.executable, __file__, "--child", "--work", args.work, "--steps", str(args.steps)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    lines = [x for x in proc.stdout.splitlines() if x.startswith("RESULT ")]
    if proc.returncode or not lines:
        raise RuntimeError(f"our trainer failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    return json.loads(lines[-1][len("RESULT ") :])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--swift-python", help="the Python of an environment with ms-swift")
    parser.add_argument("--steps", type=int, default=6, help="steps per run (the first: warm-up)")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--size", default="tiny", choices=("tiny", "small"))
    parser.add_argument("--threads", type=int, default=1, help="OMP_NUM_THREADS of each run")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--work", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print("RESULT " + json.dumps(ours(Path(args.work), args.steps)))
        return 0
    if not args.swift_python:
        parser.error("--swift-python is required (an environment with ms-swift installed)")
    args.work = tempfile.mkdtemp(prefix="grpo-vs-swift-")
    build(Path(args.work), args.size)
    path = os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])
    env = {**os.environ, "OMP_NUM_THREADS": str(args.threads), "HF_HUB_OFFLINE": "1",
           "PYTHONPATH": path}  # fmt: skip
    runs: dict[str, list[float]] = {"ours": [], "ms-swift": []}
    for i in range(args.repeat):
        for tool in ("ms-swift", "ours") if i % 2 == 0 else ("ours", "ms-swift"):
            if tool == "ours":
                times = _child(args, env)
            else:
                times = swift(Path(args.work), args.steps, args.swift_python, env)
            per_step = statistics.median(times[1:])
            runs[tool].append(per_step)
            print(f"run {i + 1} {tool:>8}: {per_step:.2f} s/step (steps: "
                  f"{', '.join(f'{t:.2f}' for t in times)})", flush=True)  # fmt: skip
    mine, theirs = statistics.median(runs["ours"]), statistics.median(runs["ms-swift"])
    print(f"ours {mine:.2f} s/step, ms-swift {theirs:.2f} s/step: ours / ms-swift = "
          f"{mine / theirs:.2f}x ({args.size}, {args.threads} thread(s))")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
