"""Evaluation throughput with a tiny model: items/s at batch 1 and 8, and the share of wall time
spent outside the model's forward passes, split into where it goes.

    python perf/eval_throughput.py [--size tiny|small] [--arch qwen2.5-omni] [--n 32]
        [--max-new-tokens 16]
        [--threads 1] [--repeat 3]

Every configuration runs in this process on the same items and the same model, so the ratios
compare like with like: ``baseline`` is the plain batch loop (every clip decoded first, 30 s
feature padding, no prefetch), ``trim`` pads audio features to the batch's longest clip,
``trim+prefetch`` also encodes the next batch in a background thread, ``streaming`` (the
default of :class:`~audiomcq_plugins.models.hf.HFAudioLM` and ``audiomcq eval``) also decodes
each clip and runs the audio encoder in that background step (:mod:`audiomcq_plugins.clips`,
:mod:`audiomcq_plugins.models.encoder_prefetch`). Results must be identical across
configurations; the script checks it.

"Forward" is every call of the model's ``forward`` (prefill and each decoding step inside
``generate()``), timed by hooks on the model (CUDA synchronised when on a GPU). Everything else
is "outside" and is split into: building the requests (audio decoded when not streaming,
headers read when streaming) and prompt rendering (``load``), encoding that
the batch loop waited for (processor: chat template, tokenization, feature extraction;
``encode``), ``generate()``'s own work between forward passes (``gen-loop``: input preparation,
cache bookkeeping, logits processing, stopping checks), and the rest (``other``: detokenizing,
stop strings, scoring). ``encode bg`` is encoding time in total, overlapped with the model when
prefetching; on a machine with few cores the overlap competes with the forward passes for CPU,
which shows up as a longer ``forward``.

``--threads`` sets torch's intra-op threads (default 1). A 0.6M-parameter model's ops are too
small to parallelise, and with more OpenMP threads than free cores (a busy 2-core machine)
barrier stalls stretch the forward passes up to tenfold from one run to the next, which hides
every other cost. Each configuration runs ``--repeat`` times and the fastest pass is reported
(the one least disturbed by other processes).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

#: name -> (trim_audio, prefetch, streaming: clips decoded and audio encoded in the encoding step)
CONFIGS: dict[str, tuple[bool, bool, bool]] = {
    "baseline": (False, False, False),
    "trim": (True, False, False),
    "trim+prefetch": (True, True, False),
    "streaming": (True, True, True),
}
#: (config, batch size) in run order; the first is the baseline the ratios refer to.
RUNS: tuple[tuple[str, int], ...] = (
    ("baseline", 1),
    ("baseline", 8),
    ("trim", 8),
    ("trim+prefetch", 1),
    ("trim+prefetch", 8),
    ("streaming", 8),
)


def configure(lm: Any, name: str, encoder: Any) -> bool:
    """Set ``lm`` up as configuration ``name``; returns whether clips stream."""
    lm.trim_audio, lm.prefetch, stream = CONFIGS[name]
    lm.encoder_prefetch = encoder if stream else None
    return stream


def run(
    lm: Any, items: list, data_root: Path, batch_size: int, max_new_tokens: int, stream: bool
) -> dict:
    """One pass over ``items``: build requests (decoding the audio unless ``stream``),
    generate, score."""
    from audiomcq_plugins import plugins
    from audiomcq_plugins.models.requests import AudioRequest, audio_source, resolve_audio
    from audiomcq_plugins.prompts import render

    scorer = plugins.get("scorers", "strict")
    lm.batch_size = batch_size
    for counter in ("forward_seconds", "encode_seconds", "encode_wait_seconds", "run_seconds"):
        setattr(lm, counter, 0.0)
    lm.forward_calls = 0
    start = time.perf_counter()
    source = audio_source if stream else resolve_audio
    requests = [
        AudioRequest(
            render("r1aqa", it.question, it.choices),
            (source({"id": it.id, "path": str(data_root / it.audio.path)}),),
        )
        for it in items
    ]
    loaded = time.perf_counter()
    outputs = lm.generate(requests, max_new_tokens=max_new_tokens)
    correct = sum(
        scorer(o, it.choices, it.answer).correct for o, it in zip(outputs, items, strict=True)
    )
    wall = time.perf_counter() - start
    load = loaded - start
    gen_loop = lm.run_seconds - lm.forward_seconds
    other = wall - load - lm.encode_wait_seconds - lm.run_seconds
    return {
        "outputs": outputs,
        "items_per_s": len(items) / wall,
        "wall": wall,
        "forward": lm.forward_seconds,
        "forward_calls": lm.forward_calls,
        "outside": 1 - lm.forward_seconds / wall,
        "parts": {
            "load": load,
            "encode": lm.encode_wait_seconds,
            "gen-loop": gen_loop,
            "other": other,
        },
        "encode_bg": lm.encode_seconds,
        "acc": correct / len(items),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--arch", default="qwen2.5-omni")
    parser.add_argument("--size", default="tiny", choices=("tiny", "small"))
    parser.add_argument("--n", type=int, default=32)
    parser.add_argument("--max-new-tokens", type=int, default=16)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    parser.add_argument("--repeat", type=int, default=3, help="passes per run; fastest kept")
    args = parser.parse_args()

    import torch

    torch.set_num_threads(args.threads)

    from audiomcq_plugins.benchmarks import synth
    from audiomcq_plugins.benchmarks.spec import load_benchmark
    from audiomcq_plugins.models.batching import default_prefetch
    from audiomcq_plugins.models.hf import HFAudioLM
    from audiomcq_plugins.models.tiny import build_tiny_model

    work = Path(tempfile.mkdtemp(prefix="audiomcq-throughput-"))
    synth.generate(work / "synth", n=args.n, max_seconds=5.0)
    loaded = load_benchmark("audiomcq_synth", work / "synth")
    model = build_tiny_model(args.arch, work / "model", size=args.size, extra_texts=synth.corpus())
    lm = HFAudioLM(model, device=args.device, profile=True)
    encoder = lm.encoder_prefetch
    for name in CONFIGS:  # warm-up
        stream = configure(lm, name, encoder)
        run(lm, loaded.items[:8], loaded.data_root, 4, args.max_new_tokens, stream)
    print(
        f"arch {args.arch}, {args.n} synthetic items (0.5-5 s), device {lm.device}, "
        f"max_new_tokens {args.max_new_tokens}, {torch.get_num_threads()} torch thread(s), "
        f"fastest of {args.repeat}; prefetch by default here: {default_prefetch(lm.device)}"
    )
    base: dict | None = None
    base8: dict | None = None
    for name, bs in RUNS:
        stream = configure(lm, name, encoder)
        passes = [
            run(lm, loaded.items, loaded.data_root, bs, args.max_new_tokens, stream)
            for _ in range(args.repeat)
        ]
        if any(p["outputs"] != passes[0]["outputs"] for p in passes):
            raise SystemExit(f"{name} at batch {bs} gave different outputs on repeated passes")
        r = min(passes, key=lambda p: p["wall"])
        base = base or r
        if name == "baseline" and bs == 8:
            base8 = r
        if r["outputs"] != base["outputs"]:
            raise SystemExit(f"{name} at batch {bs} changed the outputs; it must not")
        parts = ", ".join(f"{k} {100 * v / r['wall']:4.1f} %" for k, v in r["parts"].items())
        vs8 = f", {r['items_per_s'] / base8['items_per_s']:4.2f}x baseline b8" if base8 else ""
        print(
            f"{name:>13} b{bs}: {r['items_per_s']:6.2f} items/s "
            f"({r['items_per_s'] / base['items_per_s']:4.2f}x baseline b1{vs8}), "
            f"wall {r['wall']:5.2f} s, forward {r['forward']:5.2f} s ({r['forward_calls']} calls), "
            f"outside {100 * r['outside']:4.1f} % = {parts}; encode bg {r['encode_bg']:.2f} s"
        )
    print(f"outputs identical across all runs; strict accuracy {base['acc']:.3f}")


if __name__ == "__main__":
    main()
