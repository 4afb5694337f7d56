"""Seconds per audio GRPO step with a tiny model at 8 generations, with and without reusing
each prompt's audio encoding across its generations, and the memory peak.

    python perf/grpo_step.py [--arch qwen2.5-omni|qwen2-audio|qwen3-omni] [--steps 4]
        [--size tiny|small]

Each variant runs in its own process (so the memory peaks are separate): "reuse" encodes every
distinct clip once per forward and featurises each distinct prompt once per step; "no-reuse"
processes and encodes every row. Printed: median seconds per optimizer step (the first step is
warm-up and excluded), clips the audio encoder processed per step, peak memory (CUDA max
allocated, else the process's max RSS), and the no-reuse / reuse ratios.
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


def _model_and_data(arch: str, work: Path, size: str) -> tuple[Path, Path]:
    """A trainable tiny ``arch`` checkpoint (the tests' cached one) and 16 prepared GRPO items
    under ``work`` (reused)."""
    from audiomcq_plugins.integrations.trl.data import prepare
    from tests.trl_fixtures import tiny_checkpoint, write_items

    data = work / "trl"
    if not (data / "grpo").is_dir():
        prepare(write_items(work / "clips", 16), work / "clips", data)
    return tiny_checkpoint(arch, size), data


def _peak_memory_mib() -> tuple[float, str]:
    """Peak memory of this run in MiB, and what was measured."""
    import torch

    if torch.cuda.is_available():
        peak = torch.cuda.max_memory_allocated() / 2**20
        return peak, "cuda max allocated"
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "process max RSS"


def run_variant(
    arch: str, reuse: bool, steps: int, batch: int, work: Path, size: str = "tiny"
) -> dict:
    import torch
    from transformers import TrainerCallback

    from audiomcq_plugins.integrations.trl.data import load_jsonl_dataset
    from audiomcq_plugins.integrations.trl.grpo import AudioGRPOConfig, AudioGRPOTrainer
    from tests.trl_fixtures import varied_reward

    model_dir, data = _model_and_data(arch, work, size)
    times: list[float] = []

    class Clock(TrainerCallback):
        def on_step_begin(self, args, state, control, **kw):  # noqa: ANN001
            self.t = time.perf_counter()

        def on_step_end(self, args, state, control, **kw):  # noqa: ANN001
            times.append(time.perf_counter() - self.t)

    config = AudioGRPOConfig(
        output_dir=str(work / "out"),
        per_device_train_batch_size=batch,
        num_generations=8,
        max_completion_length=16,
        max_steps=steps,
        beta=0.01,
        report_to=[],
        save_strategy="no",
        use_cpu=not torch.cuda.is_available(),
        gradient_checkpointing=False,
        audio_encoder_reuse=reuse,
        seed=0,
    )
    trainer = AudioGRPOTrainer(
        model=str(model_dir),
        reward_funcs=varied_reward,
        args=config,
        train_dataset=load_jsonl_dataset(data / "grpo" / "mixed"),
        callbacks=[Clock()],
    )
    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()
    trainer.train()
    peak, where = _peak_memory_mib()
    return {
        "arch": arch,
        "reuse": reuse,
        "seconds_per_step": statistics.median(times[1:] or times),
        "clips_encoded_per_step": trainer._audio_reuse.encoded_clips / steps,
        "peak_mib": peak,
        "memory": where,
        "device": "cuda" if torch.cuda.is_available() else "cpu",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--arch", default="qwen2.5-omni")
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--size", default="tiny", choices=("tiny", "small"))
    parser.add_argument("--batch", type=int, default=8, help="rows per step (prompts x 8)")
    parser.add_argument("--variant", choices=["reuse", "no-reuse"], help=argparse.SUPPRESS)
    parser.add_argument("--work", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.variant:
        result = run_variant(
            args.arch, args.variant == "reuse", args.steps, args.batch, Path(args.work), args.size
        )
        print("RESULT " + json.dumps(result))
        return 0
    work = Path(tempfile.mkdtemp(prefix="grpo-step-"))
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    results = {}
    for variant in ("reuse", "no-reuse"):
        cmd = [sys.executable, __file__, "--arch", args.arch, "--steps", str(args.steps)]
        cmd += ["--size", args.size]
        cmd += ["--batch", str(args.batch), "--variant", variant, "--work", str(work)]
        out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        lines = [x for x in out.stdout.splitlines() if x.startswith("RESULT ")]
        if out.returncode or not lines:
            print(out.stdout[-2000:], out.stderr[-4000:], file=sys.stderr)
            return 1
        results[variant] = json.loads(lines[-1][len("RESULT ") :])
    for variant, r in results.items():
        print(
            f"{r['arch']:>13} {variant:>8} ({r['device']}): {r['seconds_per_step']:.2f} s/step, "
            f"{r['clips_encoded_per_step']:.0f} clips encoded/step, "
            f"peak {r['peak_mib']:.0f} MiB ({r['memory']})"
        )
    a, b = results["no-reuse"], results["reuse"]
    print(
        f"no-reuse / reuse: time x{a['seconds_per_step'] / b['seconds_per_step']:.2f}, "
        f"encoder work x{a['clips_encoded_per_step'] / b['clips_encoded_per_step']:.1f}, "
        f"peak memory x{a['peak_mib'] / b['peak_mib']:.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
