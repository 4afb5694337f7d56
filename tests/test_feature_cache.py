"""Silent runs reuse the repeated clip's features and encoder output, with the same answers."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("transformers")

from audiomcq_plugins import ablations  # noqa: E402
from audiomcq_plugins.models.hf import HFAudioLM  # noqa: E402
from audiomcq_plugins.models.requests import AudioRequest  # noqa: E402
from audiomcq_plugins.models.tiny import build_tiny_model  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("arch", ["qwen2-audio", "qwen2.5-omni"])
def test_reuse_gives_the_same_outputs_as_encoding_each_time(tmp_path, arch):
    path = build_tiny_model(arch, tmp_path / "m")
    tone = (0.3 * np.sin(np.arange(8000) / 5)).astype(np.float32)
    requests = [AudioRequest(f"Question {i}?", (ablations.silence(30),)) for i in range(7)]
    requests += [AudioRequest("With a tone?", (tone,)), AudioRequest("Text only?")]
    kwargs = {"device": "cpu", "batch_size": 3, "prefetch": False}
    plain = HFAudioLM(path, reuse_features=False, **kwargs)
    reuse = HFAudioLM(path, reuse_features=True, **kwargs)
    want = plain.generate(requests, max_new_tokens=6)
    assert reuse.generate(requests, max_new_tokens=6) == want
    assert reuse.generate(requests, max_new_tokens=6) == want  # from the cache this time
    fe = reuse.processor.feature_extractor
    assert fe.hits >= 3 and fe.misses >= 1
    scores = reuse.loglikelihood(requests[:4], ["A"] * 4)
    assert scores == plain.loglikelihood(requests[:4], ["A"] * 4)
    if arch == "qwen2-audio":
        assert reuse.model.model.audio_tower._audiomcq_reuse["hits"] >= 2
