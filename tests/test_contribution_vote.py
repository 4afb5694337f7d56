"""The silent-audio vote from crafted lm-eval sample logs: every rule edge and every error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from audiomcq_plugins.cli import main
from audiomcq_plugins.contribution import labels as labels_mod
from audiomcq_plugins.contribution.runner import label_from_samples
from audiomcq_plugins.contribution.samples import probes_from_runs, read_runs
from audiomcq_plugins.contribution.vote import Rule, VoteError, vote

PROV = {"content_hash": "abc", "prompt_format": "r1-aqa", "audio": "silence", "versions": {}}


def write_run(root: Path, name: str, task: str, verdicts: dict, *, shard=None, prov=PROV):
    """An lm-eval --output_path folder: results_<stamp>.json + samples_<task>_<stamp>.jsonl."""
    d = root / name / f"m__{name}"
    d.mkdir(parents=True, exist_ok=True)
    meta = {"provenance": prov, **({"shard": shard} if shard else {})}
    results = {
        "config": {"model": "audiomcq-hf", "model_args": f"pretrained=/ckpt/{name},device=cpu"},
        "configs": {task: {"metadata": meta}},
        "results": {task: {"acc,none": 0.5}},
    }
    (d / "results_2026-01-01T00-00-00.json").write_text(json.dumps(results))
    lines = [
        json.dumps({"doc": {"id": i}, "filtered_resps": [f"ans {i}"], "acc": float(ok),
                    "acc_official": float(ok)})
        for i, ok in verdicts.items()
    ]  # fmt: skip
    (d / f"samples_{task}_2026-01-01T00-00-00.jsonl").write_text("\n".join(lines) + "\n")
    return root / name


def probes(root, rule="2/3", task="t"):
    return vote(probes_from_runs(read_runs(sorted(root.iterdir())), task), Rule.parse(rule))


def test_two_of_three_and_m_of_k(tmp_path):
    write_run(tmp_path, "a", "t_silent", {"x": 1, "y": 1, "z": 0})
    write_run(tmp_path, "b", "t_silent", {"x": 1, "y": 0, "z": 0})
    write_run(tmp_path, "c", "t_silent", {"x": 0, "y": 0, "z": 1})
    got = {lab.id: (lab.label, lab.correct) for lab in probes(tmp_path)}
    assert got == {"x": ("weak", 2), "y": ("strong", 1), "z": ("strong", 1)}
    assert {lab.id: lab.label for lab in probes(tmp_path, "1/3")} == dict.fromkeys("xyz", "weak")
    assert [lab.label for lab in probes(tmp_path, "3/3")] == ["strong"] * 3


def test_majority_tie_is_strong_and_text_models_vote(tmp_path):
    write_run(tmp_path, "a", "t_silent", {"x": 1, "y": 1})
    write_run(tmp_path, "b", "t_silent", {"x": 0, "y": 1})
    write_run(tmp_path, "c", "t_text", {"x": 1, "y": 0})
    write_run(tmp_path, "d", "t_text", {"x": 0, "y": 1})
    got = probes(tmp_path, "majority")
    assert {lab.id: lab.label for lab in got} == {"x": "strong", "y": "weak"}  # 2 of 4: a tie
    ps = probes_from_runs(read_runs(sorted(tmp_path.iterdir())), "t")
    assert sorted(p.kind for p in ps) == ["audio", "audio", "text", "text"]
    assert {lab.id: lab.label for lab in probes(tmp_path, "2/4")} == dict.fromkeys("xy", "weak")


def test_rule_must_fit_the_voters(tmp_path):
    write_run(tmp_path, "a", "t_silent", {"x": 1})
    with pytest.raises(VoteError, match="needs exactly 3 voters"):
        probes(tmp_path, "2/3")
    for bad in ("3/2", "0/3", "two of three"):
        with pytest.raises(VoteError, match="rule"):
            Rule.parse(bad)


def test_missing_items_and_different_item_sets_name_the_probe(tmp_path):
    write_run(tmp_path, "a", "t_silent", {"x": 1, "y": 1})
    write_run(tmp_path, "b", "t_silent", {"x": 1})
    with pytest.raises(VoteError, match=r"hf:b.*no verdict for 1 item.*\['y'\]"):
        probes(tmp_path, "1/2")


def test_duplicate_ids_and_different_benchmarks_are_errors(tmp_path):
    write_run(tmp_path, "a", "t_silent", {"x": 1}, shard="0/2")
    write_run(tmp_path, "a2", "t_silent", {"x": 0}, shard="1/2")
    (tmp_path / "a2" / "m__a2").rename(tmp_path / "a" / "m__a2")
    (tmp_path / "a2").rmdir()
    # Same model (the folder name is not part of it) -> both shards merge, x twice.
    for f in (tmp_path / "a" / "m__a2").iterdir():
        f.write_text(f.read_text().replace("/ckpt/a2", "/ckpt/a"))
    with pytest.raises(VoteError, match="item 'x' answered twice"):
        probes(tmp_path, "1/1")
    other = tmp_path / "other"
    other.mkdir()
    write_run(other, "a", "t_silent", {"x": 1})
    write_run(other, "b", "t_silent", {"x": 1}, prov={**PROV, "content_hash": "def"})
    ps = probes_from_runs(read_runs(sorted(other.iterdir())), "t")
    with pytest.raises(VoteError, match="content_hash.*different items"):
        labels_mod.benchmark_provenance(ps)


def test_no_verdict_is_an_error(tmp_path):
    write_run(tmp_path, "a", "t_silent", {"x": float("nan")})
    with pytest.raises(VoteError, match="item 'x' has no 'acc' verdict"):
        probes(tmp_path, "1/1")


def test_shards_merge_into_the_labels_of_one_run(tmp_path):
    one, sharded = tmp_path / "one", tmp_path / "sharded"
    items = {f"i{k}": k % 3 == 0 for k in range(7)}
    write_run(one, "a", "t_silent", items)
    write_run(one, "b", "t_silent", {k: not v for k, v in items.items()})
    for s in range(2):
        part = {k: v for n, (k, v) in enumerate(items.items()) if n % 2 == s}
        write_run(sharded / f"s{s}", "a", "t_silent", part, shard=f"{s}/2")
    write_run(sharded, "b", "t_silent", {k: not v for k, v in items.items()})
    a = label_from_samples("t", sorted(one.iterdir()), out=tmp_path / "a.jsonl", rule=Rule(1, 2))
    dirs = [sharded / "s0" / "a", sharded / "s1" / "a", sharded / "b"]
    b = label_from_samples("t", dirs, out=tmp_path / "b.jsonl", rule=Rule(1, 2))
    la, lb = a.read_text().splitlines(), b.read_text().splitlines()
    assert la[1:] == lb[1:] and len(la) == 8
    with pytest.raises(VoteError, match=r"missing \['1/2'\]"):
        label_from_samples("t", dirs[::2], out=tmp_path / "c.jsonl", rule=Rule(1, 2))


def test_labels_file_lines_and_cli(tmp_path, capsys):
    for name, v in (("a", {"x": 1, "y": 0}), ("b", {"x": 1, "y": 1}), ("c", {"x": 0, "y": 0})):
        write_run(tmp_path / "runs", name, "t_silent", v)
    out = tmp_path / "labels.jsonl"
    dirs = [str(p) for p in sorted((tmp_path / "runs").iterdir())]
    assert main(["contribution", "label", "--benchmark", "t", "--from-samples", *dirs, "--out",
                 str(out)]) == 0  # fmt: skip
    assert "2 items, 1 weak, 1 strong" in capsys.readouterr().out
    head, rows = out.read_text().splitlines()[0], out.read_text().splitlines()[1:]
    head = json.loads(head)
    assert head["rule"] == "2/3" and head["benchmark"]["content_hash"] == "abc"
    assert [p["model_args"] for p in head["probes"]][0].startswith("pretrained=/ckpt/a")
    x = json.loads(rows[0])
    assert x["id"] == "x" and x["label"] == "weak" and x["rule"] == "2/3"
    assert x["votes"]["audiomcq-hf:a"] == {"answer": "ans x", "correct": True}
    assert labels_mod.read(out)[1] == {"x": "weak", "y": "strong"}
    # A user mistake: one line, exit 2, no traceback.
    assert main(["contribution", "label", "--benchmark", "nope", "--from-samples", *dirs, "--out",
                 str(out)]) == 2  # fmt: skip
    assert "no nope_silent" in capsys.readouterr().err


def test_recovery_precision_recall_and_item_mismatch():
    from audiomcq_plugins.contribution import recovery

    truth = {"a": "weak", "b": "weak", "c": "strong", "d": "strong"}
    voted = {"a": "weak", "b": "strong", "c": "weak", "d": "strong"}
    result = recovery.recovery(truth, {**voted, "c": "strong"})
    assert (result["precision_weak"], result["recall_weak"]) == (1.0, 0.5)
    result = recovery.recovery(truth, voted)
    assert result["counts"] == {
        "weak/weak": 1,
        "weak/strong": 1,
        "strong/weak": 1,
        "strong/strong": 1,
    }
    assert "precision(weak) 0.500  recall(weak) 0.500" in recovery.describe(result)[1]
    with pytest.raises(VoteError, match="only known: \\['d'\\]"):
        recovery.recovery(truth, {k: v for k, v in voted.items() if k != "d"})


def test_every_model_argument_is_runtime_or_answer_changing():
    """The voter identity's table covers every argument of our model classes, so a new one
    cannot silently split (or merge) voters."""
    import inspect

    pytest.importorskip("lm_eval")
    from audiomcq_plugins.contribution.samples import ANSWER_ARGS, RUNTIME_ARGS
    from audiomcq_plugins.integrations.lm_eval.models import AudioMCQHF, AudioMCQVLLM
    from audiomcq_plugins.models.api import APIAudioLM

    assert not RUNTIME_ARGS & ANSWER_ARGS
    for cls in (AudioMCQHF, AudioMCQVLLM, APIAudioLM):
        params = inspect.signature(cls.__init__).parameters.values()
        named = {p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
        named -= {"self"}
        assert named - RUNTIME_ARGS - ANSWER_ARGS == set(), cls.__name__


def test_runs_differing_only_in_prefetch_encoder_are_one_voter(tmp_path):
    """`audiomcq-hf` takes prefetch_encoder (a speed switch): the same model with and without
    it is one voter, not two."""
    from audiomcq_plugins.contribution.samples import Run

    def run(args: str) -> Run:
        return Run("t_silent", "audiomcq-hf", args, {}, [], tmp_path, {})

    same = run("pretrained=/m,prefetch_encoder=False,batch_size=4")
    assert same.identity == run("pretrained=/m").identity == "audiomcq-hf(pretrained=/m)"
    assert run("pretrained=/m,dtype=bfloat16").identity != same.identity


def test_labels_made_unusually_are_warned_about():
    import warnings

    from audiomcq_plugins.contribution.subsets import warn_unusual_labels

    paper = {"kind": "audio", "name": "a", "silence": {"audio": "silence", "ablation_seconds": 30}}
    text = {"kind": "text", "name": "t", "silence": {"audio": "none", "ablation_seconds": 30.0}}
    head = {"benchmark": {"prompt_format": "r1aqa"}, "probes": [paper, text]}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warn_unusual_labels("l.jsonl", head, "r1aqa")  # the paper's setting: silent
    with pytest.warns(UserWarning, match="voted with prompt format 'r1aqa', but this task"):
        warn_unusual_labels("l.jsonl", head, "mmau")
    clip = {**paper, "silence": {"audio": "silence", "ablation_seconds": "clip"}}
    with pytest.warns(UserWarning, match=r"another ablation than the paper's 30 s .*a: \{"):
        warn_unusual_labels("l.jsonl", {**head, "probes": [clip, text]}, "r1aqa")


def test_a_retrained_checkpoint_at_the_same_path_is_asked_again(tmp_path):
    import os

    from audiomcq_plugins.contribution.runner import ProbeSpec, checkpoint_stamp

    ckpt = tmp_path / "model"
    ckpt.mkdir()
    (ckpt / "model.safetensors").write_bytes(b"one")
    spec = ProbeSpec.parse(f"audiomcq-hf:pretrained={ckpt},batch_size=4", "audio")
    before = spec.key("mmar", "30s")
    assert before == spec.key("mmar", "30s")
    (ckpt / "model.safetensors").write_bytes(b"two!")
    os.utime(ckpt / "model.safetensors", ns=(1, 1))
    assert spec.key("mmar", "30s") != before
    assert checkpoint_stamp("pretrained=Qwen/Qwen2-Audio-7B-Instruct") is None  # a Hub id
