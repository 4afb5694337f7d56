"""Evaluation throughput with a tiny model: items/s at batch 1 and 8, and the share of wall time
spent outside the model's forward passes (audio decoding and resampling, feature extraction,
prompt building, scoring).

    python benchmarks/eval_throughput.py [--arch qwen2.5-omni] [--n 32] [--max-new-tokens 16]

Both batch sizes run in this process on the same items; the ratio batch-8 / batch-1 is the
speed-up. Forward time comes from hooks on the model (CUDA synchronised when on a GPU).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path


def run(lm, items, data_root, batch_size: int, max_new_tokens: int) -> dict[str, float]:
    from audiomcq_plugins import plugins
    from audiomcq_plugins.audio import load_audio
    from audiomcq_plugins.models.requests import AudioRequest
    from audiomcq_plugins.prompts import render

    scorer = plugins.get("scorers", "strict")
    lm.batch_size = batch_size
    lm.forward_seconds = 0.0
    start = time.perf_counter()
    requests = [
        AudioRequest(
            render("r1aqa", it.question, it.choices),
            (load_audio(it.audio, data_root, it.id).array,),
        )
        for it in items
    ]
    outputs = lm.generate(requests, max_new_tokens=max_new_tokens)
    correct = sum(
        scorer(o, it.choices, it.answer).correct for o, it in zip(outputs, items, strict=True)
    )
    wall = time.perf_counter() - start
    return {
        "items_per_s": len(items) / wall,
        "wall_s": wall,
        "outside_forward": 1 - lm.forward_seconds / wall,
        "acc": correct / len(items),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--arch", default="qwen2.5-omni")
    parser.add_argument("--n", type=int, default=32)
    parser.add_argument("--max-new-tokens", type=int, default=16)
    parser.add_argument("--device", default="auto")
    args = parser.parse_args()

    from audiomcq_plugins.benchmarks import synth
    from audiomcq_plugins.benchmarks.spec import load_benchmark
    from audiomcq_plugins.models.hf import HFAudioLM
    from audiomcq_plugins.models.tiny import build_tiny_model

    work = Path(tempfile.mkdtemp(prefix="audiomcq-throughput-"))
    synth.generate(work / "synth", n=args.n, max_seconds=5.0)
    loaded = load_benchmark("audiomcq_synth", work / "synth")
    model = build_tiny_model(args.arch, work / "model", extra_texts=synth.corpus())
    lm = HFAudioLM(model, device=args.device, profile=True)
    run(lm, loaded.items[:4], loaded.data_root, 4, args.max_new_tokens)  # warm-up
    print(
        f"arch {args.arch}, {args.n} synthetic items (0.5-5 s), device {lm.device}, "
        f"max_new_tokens {args.max_new_tokens}"
    )
    base = None
    for bs in (1, 8):
        r = run(lm, loaded.items, loaded.data_root, bs, args.max_new_tokens)
        base = base or r["items_per_s"]
        print(
            f"batch {bs}: {r['items_per_s']:7.2f} items/s ({r['items_per_s'] / base:4.2f}x "
            f"batch 1), wall {r['wall_s']:6.2f} s, "
            f"outside forward {100 * r['outside_forward']:5.1f} %"
        )


if __name__ == "__main__":
    main()
