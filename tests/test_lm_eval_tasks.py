"""lm-eval tasks: every shipped YAML loads, metrics and audio references are right, the
cache key and logged samples never carry waveforms. No model runs here."""

from __future__ import annotations

import json
import math
import sys

import numpy as np
import pytest

from audiomcq_plugins.audio import SAMPLE_RATE

pytest.importorskip("lm_eval")
pytest.importorskip("datasets")

from audiomcq_plugins.benchmarks.fixtures import write_fixture  # noqa: E402
from audiomcq_plugins.benchmarks.spec import get_spec  # noqa: E402
from audiomcq_plugins.integrations.lm_eval import (  # noqa: E402
    TASK_DIR,
    task_manager,
    task_yaml,  # noqa: E402
    tasks,
)
from audiomcq_plugins.task_docs import breakdown_metric  # noqa: E402
from audiomcq_plugins.tasks import groups, task_defs  # noqa: E402
from tests.bench_helpers import CONTRACT_TASKS  # noqa: E402


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    for name in {t.benchmark for t in task_defs()}:
        write_fixture(name, root / name, n=4, max_seconds=0.5)
    return root


def test_shipped_yamls_are_the_generated_ones():
    shipped = {p.name: p.read_text() for p in TASK_DIR.glob("*.yaml")}
    assert shipped == task_yaml.files(builtin_only=True), (
        "run python -m audiomcq_plugins.integrations.lm_eval.task_yaml"
    )


def test_every_shipped_yaml_is_indexed():
    manager = task_manager(include_defaults=False)
    names = set(manager.all_tasks)
    for path in TASK_DIR.glob("*.yaml"):
        text = path.read_text()
        key = "group" if text.count("\ngroup: ") else "task"
        name = next(line.split(": ", 1)[1] for line in text.splitlines() if line.startswith(key))
        assert name in names, f"{path.name} was not indexed (lm-eval skips broken YAML silently)"
    for name in CONTRACT_TASKS:
        assert {name, f"{name}_silent"} <= names
    assert {"audio_mcq", "audio_mcq_silent", "mmau_test_mini_loglik"} <= names


def test_every_task_builds_on_its_fixture(data_dir):
    from lm_eval.tasks import get_task_dict

    manager = task_manager(include_defaults=False, metadata={"data_dir": str(data_dir)})
    # Subset variants need labels: test_subset_variants_hold_their_subset_or_say_how_to_label.
    labelled = {t.name for t in task_defs() if t.variant.options.get("subset")}
    names = [
        n
        for n in task_yaml.files()
        if n.removesuffix(".yaml") not in groups() and n.removesuffix(".yaml") not in labelled
    ]
    built = get_task_dict([n.removesuffix(".yaml") for n in names], manager)
    assert len(built) == len(names)
    for name, task in built.items():
        docs = list(task.test_docs())
        assert len({d["id"] for d in docs}) == 4, name  # option-order tasks: a doc per order
        assert task.doc_to_text(docs[0]) == docs[0]["prompt"]
        assert task.config.metadata["provenance"]["content_hash"], name
        assert task.config.metadata["provenance"]["versions"]["lm-eval"], name


def test_subset_variants_hold_their_subset_or_say_how_to_label(data_dir):
    from lm_eval.tasks import get_task_dict

    manager = task_manager(include_defaults=False, metadata={"data_dir": str(data_dir)})
    for name in CONTRACT_TASKS:
        if get_spec(name).answers_withheld:  # no answers, no silent-audio vote, no subsets
            assert f"{name}_acstrong" not in {t.name for t in task_defs()}
            continue
        full = get_task_dict([name], manager)[name]
        shipped = {d["id"]: d["contribution"] for d in full.test_docs()}
        for subset in ("strong", "weak"):
            if not any(shipped.values()):
                with pytest.raises(ValueError, match="audiomcq contribution label"):
                    get_task_dict([f"{name}_ac{subset}"], manager)
                continue
            task = get_task_dict([f"{name}_ac{subset}"], manager)[f"{name}_ac{subset}"]
            got = sorted(d["id"] for d in task.test_docs())
            assert got == sorted(i for i, lab in shipped.items() if lab == subset), name


def test_an_empty_subset_is_one_clear_error(data_dir, tmp_path):
    name = "mmau_test_mini"
    ids = [d["id"] for d in _doc_rows(data_dir, name)]
    labels = tmp_path / "all_strong.jsonl"
    lines = [json.dumps({"audiomcq_contribution_labels": 1, "task": name})]
    lines += [json.dumps({"id": i, "label": "strong"}) for i in ids]
    labels.write_text("\n".join(lines) + "\n")
    meta = {"contribution_labels": {name: str(labels)}}
    assert len(_doc_rows(data_dir, name, subset="strong", **meta)) == len(ids)
    with pytest.raises(ValueError, match=r"weak subset of mmau_test_mini is empty.*_acweak"):
        _doc_rows(data_dir, name, subset="weak", **meta)


def _doc_rows(data_dir, name, **meta):
    return list(tasks.load_dataset(benchmark=name, data_dir=str(data_dir), **meta)["test"])


def test_group_builds(data_dir):
    from lm_eval.tasks import get_task_dict

    built = get_task_dict(
        ["audio_mcq"], task_manager(include_defaults=False, metadata={"data_dir": str(data_dir)})
    )
    ((group, members),) = built.items()
    assert sorted(members) == ["mmar", "mmau_test_mini", "mmsu"]


def _doc(data_dir, name="mmau_test_mini", **meta):
    ds = tasks.load_dataset(
        benchmark=name, data_dir=str(data_dir), pretrained="ignored-model-arg", **meta
    )["test"]
    return ds[0]


def test_doc_to_audio_references_and_ablations(data_dir):
    doc = _doc(data_dir)
    (ref,) = tasks.doc_to_audio(doc)
    assert ref["path"].endswith(".wav") and len(ref["sha256"]) == 64
    (silent,) = tasks.doc_to_audio(_doc(data_dir, audio="silence"))
    assert silent == {"id": doc["id"], "silence_seconds": 30.0}
    (clip_len,) = tasks.doc_to_audio(_doc(data_dir, audio="silence", ablation_seconds="clip"))
    assert 0 < clip_len["silence_seconds"] <= 0.5 + 1e-6
    (inline,) = tasks.doc_to_audio(_doc(data_dir, audio_inline=True))
    assert inline["sampling_rate"] == SAMPLE_RATE and inline["array"].dtype == np.float32
    with pytest.raises(ValueError, match="clip"):
        _doc(data_dir, audio="reversed")


def test_mmsu_embedded_audio_becomes_a_cached_file(data_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("AUDIOMCQ_CACHE", str(tmp_path))
    (ref,) = tasks.doc_to_audio(_doc(data_dir, "mmsu"))
    assert ref["path"].startswith(str(tmp_path)) and "bytes" not in json.dumps(ref)


def test_process_results_metrics(data_dir):
    doc = _doc(data_dir, breakdowns={"task": ["sound", "music", "speech"]})
    record = json.loads(doc["record"])
    right = tasks.process_results(doc, [f"<answer>{doc['answer']}</answer>"])
    assert right["acc"] == 1.0 and right["unparsed"] == 0.0
    assert right[breakdown_metric("task", record["task"])] == 1.0
    others = [v for v in ("sound", "music", "speech") if v != record["task"]]
    assert all(math.isnan(right[breakdown_metric("task", v)]) for v in others)
    garbage = tasks.process_results(doc, ["I cannot tell."])
    assert garbage["acc"] == 0.0 and garbage["unparsed"] == 1.0
    withheld = tasks.process_results({**doc, "answer": ""}, ["A"])
    assert all(math.isnan(v) for v in withheld.values())
    assert tasks.nanmean([1.0, math.nan, 0.0]) == 0.5 and math.isnan(tasks.nanmean([math.nan]))


def test_nanmean_gets_lm_evals_mean_stderr_over_the_documents_it_applies_to():
    from lm_eval import evaluator_utils
    from lm_eval.api.metrics import mean, mean_stderr

    from audiomcq_plugins.integrations.lm_eval import stderr

    assert stderr.install() and stderr.install()  # idempotent
    values = [1.0, math.nan, 0.0, 1.0, 1.0, math.nan, 0.0]
    fn = evaluator_utils.stderr_for_metric(tasks.nanmean, bootstrap_iters=100)
    assert fn(values) == pytest.approx(mean_stderr([1.0, 0.0, 1.0, 1.0, 0.0]))
    assert math.isnan(fn([1.0, math.nan]))
    assert evaluator_utils.stderr_for_metric(mean, 100) is mean_stderr  # others unchanged
    assert evaluator_utils.stderr_for_metric(tasks.nanmean, 0) is None  # --bootstrap_iters 0


def test_cache_key_hashes_audio_by_content_and_scrub_keeps_it():
    from lm_eval.api.instance import Instance
    from lm_eval.api.model import hash_args

    from audiomcq_plugins.integrations.lm_eval import safety

    safety.install()
    wave = np.linspace(-1, 1, SAMPLE_RATE, dtype=np.float32)
    args = ("ctx", {"until": []}, {"audio": [{"array": wave, "sampling_rate": SAMPLE_RATE}]})
    same = ("ctx", {"until": []}, {"audio": [{"array": wave.copy(), "sampling_rate": SAMPLE_RATE}]})
    other = ("ctx", {"until": []}, {"audio": [{"array": wave * 0, "sampling_rate": SAMPLE_RATE}]})
    assert hash_args("generate_until", args) == hash_args("generate_until", same)
    assert hash_args("generate_until", args) != hash_args("generate_until", other)
    inst = Instance("generate_until", {}, args, 0)
    safety.scrub(inst)
    logged = json.dumps(inst.args)
    assert "sha256" in logged and len(logged) < 500
    assert hash_args("generate_until", inst.args) == hash_args("generate_until", same)


def test_vllm_inputs_are_built_without_vllm(tmp_path):
    pytest.importorskip("transformers")
    from audiomcq_plugins.models.processors import load_processor
    from audiomcq_plugins.models.requests import AudioRequest
    from audiomcq_plugins.models.tiny import build_tiny_model
    from audiomcq_plugins.models.vllm import build_inputs, sampling_kwargs

    processor = load_processor(build_tiny_model("qwen2.5-omni", tmp_path / "m"))
    clip = np.zeros(1600, np.float32)
    inputs = build_inputs(
        processor, [AudioRequest("Q?", (clip,)), AudioRequest("Text only.")], "sys"
    )
    assert inputs[0]["prompt"].count("<|AUDIO|>") == 1 and "sys" in inputs[0]["prompt"]
    assert inputs[0]["multi_modal_data"]["audio"][0][1] == SAMPLE_RATE
    assert "multi_modal_data" not in inputs[1] and "<|AUDIO|>" not in inputs[1]["prompt"]
    assert sampling_kwargs(5) == {"max_tokens": 5, "temperature": 0.0}
    assert sampling_kwargs(5, True, temperature=1.5, top_k=4)["top_k"] == 4


def _fake_vllm(monkeypatch):
    """A stand-in ``vllm`` module (vLLM cannot be installed here): ``EngineArgs`` with a few of
    vLLM's real engine fields, and an ``LLM`` that records what it was given."""
    import dataclasses
    import types

    @dataclasses.dataclass
    class EngineArgs:
        model: str = ""
        dtype: str = "auto"
        tensor_parallel_size: int = 1
        data_parallel_size: int = 1
        limit_mm_per_prompt: dict | None = None
        enable_prefix_caching: bool | None = None
        gpu_memory_utilization: float = 0.9

    class LLM:
        def __init__(self, **kwargs):
            LLM.given = kwargs

    module = types.SimpleNamespace(EngineArgs=EngineArgs, LLM=LLM)
    monkeypatch.setitem(sys.modules, "vllm", module)
    return module


def test_vllm_engine_arguments_are_checked_and_prefix_caching_is_on(tmp_path, monkeypatch):
    pytest.importorskip("transformers")
    from audiomcq_plugins.models.tiny import build_tiny_model
    from audiomcq_plugins.models.vllm import VLLMAudioLM

    vllm = _fake_vllm(monkeypatch)
    model = build_tiny_model("qwen2-audio", tmp_path / "m")
    VLLMAudioLM(str(model), gpu_memory_utilization=0.5)
    assert vllm.LLM.given["enable_prefix_caching"] is True
    assert vllm.LLM.given["gpu_memory_utilization"] == 0.5
    VLLMAudioLM(str(model), enable_prefix_caching=False)
    assert vllm.LLM.given["enable_prefix_caching"] is False
    with pytest.raises(ValueError, match="'gpu_memory_utilisation' \\(did you mean 'gpu_memory_"):
        VLLMAudioLM(str(model), gpu_memory_utilisation=0.5)
