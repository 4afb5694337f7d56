"""Audio-contribution filtering and contribution-aware evaluation (no harness imports).

- :mod:`.vote`: the silent-audio vote (m-of-k rule over audio and text-only probes);
- :mod:`.samples`: probes read from lm-eval ``--log_samples`` output (shards merged);
- :mod:`.labels`: the labels JSONL (provenance header, one line per item);
- :mod:`.subsets`: weak/strong labels of a benchmark's items, subsets and shards;
- :mod:`.runner`: ``audiomcq contribution label`` (one lm-eval run per probe, resumable);
- :mod:`.report`: ``audiomcq report`` (tables and charts of audio reliance).
"""
