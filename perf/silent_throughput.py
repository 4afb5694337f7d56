"""Silent-vote throughput: items/s of ``audiomcq-hf``'s backend on 30 s-silence probes, three
ways, measured in the same run on the same model.

    python perf/silent_throughput.py [--size small] [--arch qwen2-audio] [--n 32]
        [--batch-size 8] [--max-new-tokens 8] [--threads 2] [--repeat 2]

- ``baseline``: every probe computed in full (no reuse at all);
- ``features``: the repeated clip's log-mel features computed once and, for Qwen2-Audio, its
  encoder output too (:mod:`audiomcq_plugins.models.feature_cache`), the silent run before
  prefix reuse;
- ``prefix``: that, and the shared prompt prefix (system prompt, the silent clip's audio
  tokens) run once, each probe prefilling only its question
  (:mod:`audiomcq_plugins.models.prefix_reuse`): today's silent run.

Printed per configuration: items/s, and decoder tokens prefilled per item (padding included).
The generated answers must be identical across the three; the script checks it. Each
configuration runs ``--repeat`` times and the fastest pass is reported (the least disturbed by
other processes). ``--size small`` (about 100 M parameters) is where the forward pass
dominates, as it does for released models; at the tiny size the loop's own costs do.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

CONFIGS = {
    "baseline": {"reuse_features": False, "reuse_prefix": False},
    "features": {"reuse_features": True, "reuse_prefix": False},
    "prefix": {"reuse_features": True, "reuse_prefix": True},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="tiny", choices=("tiny", "small"))
    parser.add_argument("--arch", default="qwen2-audio")
    parser.add_argument("--n", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--max-new-tokens", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()

    import torch

    from audiomcq_plugins import ablations
    from audiomcq_plugins.models.hf import HFAudioLM
    from audiomcq_plugins.models.requests import AudioRequest
    from audiomcq_plugins.models.tiny import build_tiny_model

    torch.set_num_threads(args.threads)
    silence = ablations.silence(30)
    requests = [
        AudioRequest(
            f"Question {i}: " + "which sound comes first? " * (i % 4) + "(A) dog (B) cat (C) cow",
            (silence,),
        )
        for i in range(args.n)
    ]
    print(f"{args.arch}, size {args.size}, {args.n} probes, batch {args.batch_size}, "
          f"{args.max_new_tokens} new tokens, {args.threads} threads")  # fmt: skip
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = build_tiny_model(args.arch, Path(tmp) / "m", size=args.size)
        common = {"device": "cpu", "batch_size": args.batch_size, "prefetch": False}
        for name, options in CONFIGS.items():
            lm = HFAudioLM(path, **common, **options)
            best, texts = float("inf"), None
            for _ in range(args.repeat):
                start = time.perf_counter()
                texts = lm.generate(requests, max_new_tokens=args.max_new_tokens)
                best = min(best, time.perf_counter() - start)
            results[name] = (args.n / best, texts)
            print(f"{name:9s} {args.n / best:8.2f} items/s  ({best:.2f} s for {args.n} items)")
            reuse = lm.prefix_reuse
    passes = args.n * args.repeat  # the counters span every pass of the prefix configuration
    print(
        f"decoder tokens prefilled per item (padding included): in full "
        f"{reuse.full_tokens / passes:.0f}, with prefix reuse {reuse.prefill_tokens / passes:.0f}"
    )
    same = all(r[1] == results["baseline"][1] for r in results.values())
    base, features = results["baseline"][0], results["features"][0]
    print(f"prefix vs features: {results['prefix'][0] / features:.2f}x   "
          f"prefix vs baseline: {results['prefix'][0] / base:.2f}x   "
          f"features vs baseline: {features / base:.2f}x   identical outputs: {same}")  # fmt: skip
    if not same:
        raise SystemExit("outputs differ between the configurations")


if __name__ == "__main__":
    main()
