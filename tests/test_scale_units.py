"""The pieces of data-parallel evaluation that need no second process: merging the ranks'
results into one-process order, dropping lm-eval's padding, ``parallelize=True`` placement."""

from __future__ import annotations

import math

import pytest

pytest.importorskip("lm_eval")

from audiomcq_plugins.integrations.lm_eval.distributed import (  # noqa: E402
    DataParallel,
    interleave,
    merge_in_document_order,
)


def deal(docs: list, world: int) -> list[list]:
    """What lm-eval's doc iterator gives each rank: every ``world``-th document."""
    return [docs[rank::world] for rank in range(world)]


@pytest.mark.parametrize("n,world", [(5, 2), (7, 3), (2, 4), (1, 2)])
def test_interleave_undoes_the_deal(n, world):
    assert interleave(deal(list(range(n)), world)) == list(range(n))


def test_samples_and_metrics_merge_into_one_process_order():
    filters = ("strict", "flexible")
    one = {"t": [{"doc_id": d, "filter": f} for f in filters for d in range(5)]}
    per_rank = [{"t": [s for s in one["t"] if s["doc_id"] % 2 == r]} for r in range(2)]
    assert merge_in_document_order(per_rank) == one

    values = [0.5, 1.0, 0.0, 0.25, 0.75]
    metrics = [{"t": {("acc", "strict"): values[r::2]}} for r in range(2)]
    assert merge_in_document_order(metrics) == {"t": {("acc", "strict"): values}}


class Instance:
    def __init__(self, name: str, repeats: int = 1) -> None:
        self.name, self.repeats, self.resps = name, repeats, []


class Ranked(DataParallel):
    accelerator = object()  # a multi-process launch, as far as _without_padding cares

    def __init__(self) -> None:
        self.ran: list[str] = []

    def run(self, requests: list[Instance]) -> list[str]:
        self.ran.extend(r.name for r in requests)
        return [f"answer {r.name}" for r in requests]


def test_padding_copies_are_not_run_and_not_logged():
    a, b, c = Instance("a"), Instance("b", repeats=2), Instance("c")
    # how lm-eval's evaluator lists them: repeats in a row, then padding copies of the last
    requests = [a, b, b, c, c, c]
    lm = Ranked()
    out = lm._without_padding(lm.run, requests)
    assert lm.ran == ["a", "b", "b", "c"]
    assert out == ["answer a", "answer b", "answer b", "answer c", "answer c", "answer c"]
    for inst, answer in zip(requests, out, strict=True):  # what the evaluator then does
        inst.resps.append(answer)
    assert [len(x.resps) for x in (a, b, c)] == [1, 2, 1]


def test_single_process_is_untouched():
    lm = Ranked()
    lm.accelerator = None
    x = Instance("x")
    assert lm._without_padding(lm.run, [x, x]) == ["answer x", "answer x"]
    assert lm.ran == ["x", "x"]


@pytest.mark.slow
def test_parallelize_places_the_model_with_a_device_map(tmp_path):
    """lm-eval's ``parallelize=True`` path: on this CPU-only machine accelerate's device map
    puts every layer on the CPU; answers equal the plain load's."""
    pytest.importorskip("transformers")
    from audiomcq_plugins.integrations.lm_eval.models import AudioMCQHF
    from audiomcq_plugins.models.requests import AudioRequest
    from audiomcq_plugins.models.tiny import build_tiny_model

    model = build_tiny_model("qwen2-audio", tmp_path / "qa")
    plain = AudioMCQHF(pretrained=str(model), device="cpu")
    split = AudioMCQHF(
        pretrained=str(model), device="cpu", parallelize="True", max_cpu_memory="2GB"
    )
    from audiomcq_plugins.integrations.lm_eval.distributed import placement

    kwargs = placement(split, parallelize=True, max_cpu_memory="2GB")
    assert kwargs["device_map"] == "auto" and kwargs["max_memory"] == {"cpu": "2GB"}
    assert split.device == "cpu"
    req = [AudioRequest("Is it loud?", (), chat=True)]
    assert split.backend.generate(req, max_new_tokens=3) == plain.backend.generate(
        req, max_new_tokens=3
    )
    (a,), (b,) = (lm.backend.loglikelihood(req, [" yes"]) for lm in (plain, split))
    assert math.isclose(a[0], b[0], rel_tol=1e-6)
