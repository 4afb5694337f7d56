"""Seconds per audio GRPO step with a tiny model at 8 generations, with and without reusing
each prompt's audio encoding and prefill across its generations, where a step goes, and the
memory peak.

    python perf/grpo_step.py [--arch qwen2.5-omni|qwen2-audio|qwen3-omni] [--steps 4]
        [--size tiny|small]

Each variant runs in its own process (so the memory peaks are separate): "reuse" (the default)
encodes every distinct clip once per forward, featurises each distinct prompt once per step and
prefills each prompt once for its generations; "no-prefill" does all but the last; "no-reuse"
processes, encodes and prefills every row. Printed: median seconds per optimizer step (the
first step is warm-up and excluded) and where they go (generation, log-prob forwards outside
the loss, rewards, the rest: the loss forward, backward and optimizer), clips the audio encoder
processed per step, peak memory (CUDA max allocated, else the process's max RSS), and the
ratios to "reuse".
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


#: variant -> (audio_encoder_reuse, shared_prefill)
VARIANTS = {"reuse": (True, True), "no-prefill": (True, False), "no-reuse": (False, False)}
#: trainer methods timed for the breakdown -> the phase they count to
PHASES = {
    "_generate_single_turn": "generation",
    "_get_per_token_logps_and_entropies": "log-probs",
    "_calculate_rewards": "rewards",
}


def _time_phases(trainer, spent: dict[str, float]) -> None:
    """Wrap the trainer's methods of :data:`PHASES` (on the instance) to add up their time.
    Log-prob calls inside the loss are the loss's: only those under no_grad are counted."""
    import torch

    for name, phase in PHASES.items():
        method = getattr(trainer, name)

        def timed(*a, _method=method, _phase=phase, **k):
            if _phase == "log-probs" and torch.is_grad_enabled():
                return _method(*a, **k)
            start = time.perf_counter()
            try:
                return _method(*a, **k)
            finally:
                spent[_phase] = spent.get(_phase, 0.0) + time.perf_counter() - start

        setattr(trainer, name, timed)


def run_variant(
    arch: str, variant: str, steps: int, batch: int, work: Path, size: str = "tiny"
) -> dict:
    import torch
    from transformers import TrainerCallback

    from audiomcq_plugins.integrations.trl.data import load_jsonl_dataset
    from audiomcq_plugins.integrations.trl.grpo import AudioGRPOConfig, AudioGRPOTrainer
    from tests.trl_fixtures import varied_reward

    model_dir, data = _model_and_data(arch, work, size)
    reuse, prefill = VARIANTS[variant]
    times: list[float] = []
    spent: dict[str, float] = {}
    phases: list[dict[str, float]] = []

    class Clock(TrainerCallback):
        def on_step_begin(self, args, state, control, **kw):  # noqa: ANN001
            self.t = time.perf_counter()
            spent.clear()

        def on_step_end(self, args, state, control, **kw):  # noqa: ANN001
            times.append(time.perf_counter() - self.t)
            phases.append(dict(spent))

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
        shared_prefill=prefill,
        seed=0,
    )
    trainer = AudioGRPOTrainer(
        model=str(model_dir),
        reward_funcs=varied_reward,
        args=config,
        train_dataset=load_jsonl_dataset(data / "grpo" / "mixed"),
        callbacks=[Clock()],
    )
    _time_phases(trainer, spent)
    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()
    trainer.train()
    peak, where = _peak_memory_mib()
    return {
        "arch": arch,
        "variant": variant,
        "seconds_per_step": statistics.median(times[1:] or times),
        "phases": {
            phase: statistics.median(p.get(phase, 0.0) for p in (phases[1:] or phases))
            for phase in PHASES.values()
        },
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
    parser.add_argument("--variant", choices=list(VARIANTS), help=argparse.SUPPRESS)
    parser.add_argument("--work", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.variant:
        result = run_variant(
            args.arch, args.variant, args.steps, args.batch, Path(args.work), args.size
        )
        print("RESULT " + json.dumps(result))
        return 0
    work = Path(tempfile.mkdtemp(prefix="grpo-step-"))
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    results = {}
    for variant in VARIANTS:
        cmd = [sys.executable, __file__, "--arch", args.arch, "--steps", str(args.steps)]
        cmd += ["--size", args.size]
        cmd += ["--batch", str(args.batch), "--variant", variant, "--work", str(work)]
        out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        lines = [x for x in out.stdout.splitlines() if x.startswith("RESULT ")]
        if out.returncode or not lines:
            print(out.stdout[-2000:], out.stderr[-4000:], file=sys.stderr)
            return 1
        results[variant] = json.loads(lines[-1][len("RESULT ") :])
    base = results["reuse"]
    for variant, r in results.items():
        where = ", ".join(f"{k} {v:.2f}" for k, v in r["phases"].items())
        rest = r["seconds_per_step"] - sum(r["phases"].values())
        print(
            f"{r['arch']:>13} {variant:>10} ({r['device']}): {r['seconds_per_step']:.2f} s/step "
            f"(x{r['seconds_per_step'] / base['seconds_per_step']:.2f}; {where}, rest "
            f"{rest:.2f}), {r['clips_encoded_per_step']:.0f} clips encoded/step, "
            f"peak {r['peak_mib']:.0f} MiB ({r['memory']})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
