"""Data-parallel training: the tiny recipes through the literal `trl sft` / `trl grpo` with two
CPU processes (trl_recipes/accelerate/cpu_2proc.yaml), probes recording what each rank's model
and trainer received (tests/rank_probe.py)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("trl")

from tests.processes import run  # noqa: E402
from tests.rank_probe import probe_env, read_records  # noqa: E402
from tests.trl_fixtures import REPO, subprocess_env, trl_data  # noqa: E402

# one worker runs them in turn: accelerate's launcher listens on one fixed port
pytestmark = [pytest.mark.slow, pytest.mark.multiprocess, pytest.mark.xdist_group("multiprocess")]

RECIPES = REPO / "trl_recipes"
TWO_CPU = RECIPES / "accelerate" / "cpu_2proc.yaml"
ITEM = re.compile(r"Item (\d+):")


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    """The tiny recipe's model (its processor declared as remote code, features padded to 2 s)."""
    from audiomcq_plugins.workflows.tiny_recipe import build_model

    return build_model(tmp_path_factory.mktemp("recipe-model") / "model")


def launch(stage: str, tmp_path: Path, overrides: dict, **env: str) -> dict[int, list[dict]]:
    """``trl STAGE --config trl_recipes/tiny/STAGE.yaml --accelerate_config cpu_2proc.yaml``;
    returns the probes' records per rank."""
    cmd = [
        sys.executable,
        "-m",
        "trl.cli.main",
        stage,
        "--config",
        str(RECIPES / "tiny" / f"{stage}.yaml"),
    ]
    cmd += ["--accelerate_config", str(TWO_CPU)]
    for key, value in overrides.items():
        cmd += [f"--{key}", *(map(str, value) if isinstance(value, list) else [str(value)])]
    base = {**subprocess_env(), **env}
    base.pop("ACCELERATE_USE_CPU")  # the accelerate config and the recipe's use_cpu suffice
    proc = run(cmd, cwd=tmp_path, env=probe_env(tmp_path / "probes", base), timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    records = read_records(tmp_path / "probes")
    assert sorted(records) == [0, 1], "expected two ranks"
    return records


def of(records: list[dict], kind: str) -> list[dict]:
    return [r for r in records if r["kind"] == kind]


def expected_features(processor, clips_dir: Path, item: int) -> np.ndarray:
    """The clip of item ``item`` (trl_fixtures.write_items(tagged=True)) through the processor."""
    from audiomcq_plugins.audio import load_audio

    clip = load_audio(f"clip{item}.wav", clips_dir, f"t{item}").array
    out = processor.feature_extractor(
        [clip],
        sampling_rate=16000,
        return_attention_mask=True,
        padding="max_length",
        return_tensors="np",
    )
    frames = int(out["attention_mask"][0].sum())
    return out["input_features"][0][:, :frames]


def forward_rows(records: list[dict], processor, clips_dir: Path) -> list[int]:
    """The items of every row a rank's model was trained on, checking that each row's audio
    features are its own item's clip."""
    tokenizer = processor.tokenizer
    items = []
    for fwd in of(records, "forward"):
        for row in range(fwd["input_ids"].shape[0]):
            ids = fwd["input_ids"][row][fwd["attention_mask"][row] == 1]
            (item,) = {int(m) for m in ITEM.findall(tokenizer.decode(ids))}
            frames = int(fwd["feature_attention_mask"][row].sum())
            want = expected_features(processor, clips_dir, item)
            assert frames == want.shape[1], (item, frames, want.shape)
            np.testing.assert_allclose(fwd["input_features"][row][:, :frames], want, atol=1e-5)
            items.append(item)
    return items


def same_final_weights(records: dict[int, list[dict]]) -> None:
    """Both ranks start from the same weights and end with the same, different, weights."""
    digests = {
        rank: {w["when"]: w["digest"] for w in of(recs, "weights")}
        for rank, recs in records.items()
    }
    assert digests[0]["start"] == digests[1]["start"]
    assert digests[0]["end"] == digests[1]["end"]
    assert digests[0]["end"] != digests[0]["start"]


def test_trl_sft_two_processes(tmp_path, model):
    from audiomcq_plugins.models.processors import load_processor

    data = trl_data(tmp_path / "data", n=8, tagged=True)
    steps, per_device = 2, 2
    records = launch(
        "sft",
        tmp_path,
        {
            "model_name_or_path": model,
            "dataset_name": data / "sft" / "mixed",
            "max_steps": steps,
            "per_device_train_batch_size": per_device,
            "logging_steps": 1,
            "output_dir": tmp_path / "out",
        },
    )
    processor = load_processor(model)
    seen = {
        rank: forward_rows(recs, processor, tmp_path / "data" / "clips")
        for rank, recs in records.items()
    }
    for rank, items in seen.items():
        assert len(items) == steps * per_device, (rank, items)
    # the sampler's one order, sharded: 2 steps x 2 ranks x 2 rows = one epoch of the 8 items
    assert sorted(seen[0] + seen[1]) == list(range(8))
    same_final_weights(records)
    assert (tmp_path / "out" / "model.safetensors").is_file()


def test_trl_grpo_two_processes(tmp_path, model):
    from audiomcq_plugins.models.processors import load_processor

    # 12 items, every 3rd weak; 3 prompts x 4 generations a step: rank 0 holds rows 0-5 (the
    # first prompt's group and half of the second's), rank 1 rows 6-11
    data = trl_data(tmp_path / "data", n=12, weak_every=3, tagged=True)
    generations, per_device, weak_weight = 4, 6, 0.3
    records = launch(
        "grpo",
        tmp_path,
        {
            "model_name_or_path": model,
            "dataset_name": data / "grpo" / "mixed",
            "max_steps": 2,
            "per_device_train_batch_size": per_device,
            "num_generations": generations,
            # `trl grpo` checks the batch in the launching process, as if it were the only one
            # (6 rows, not divisible by 4): state the two processes' generation batch
            "generation_batch_size": 2 * per_device,
            "max_completion_length": 4,
            "reward_funcs": [
                "audiomcq_plugins.integrations.trl.rewards.accuracy_reward",
                "audiomcq_plugins.integrations.trl.rewards.format_reward",
                "tests.trl_fixtures.varied_reward",  # non-zero advantages from a random model
            ],
            "reward_weights": [2.0, 0.5, 1.0],
            "logging_steps": 1,
            "output_dir": tmp_path / "out",
        },
        AUDIOMCQ_CONTRIBUTION_WEIGHTS=f"strong=1.0,weak={weak_weight}",
        AUDIOMCQ_SAMPLER="curriculum",
        AUDIOMCQ_SAMPLER_OPTIONS=json.dumps({"switch_at": 1}),
    )
    contribution = {i: "weak" if i % 3 == 2 else "strong" for i in range(12)}
    scored = {rank: of(recs, "scored") for rank, recs in records.items()}
    rewards = {rank: of(recs, "rewards") for rank, recs in records.items()}
    assert len(scored[0]) == len(scored[1]) == 2
    for step in range(2):
        local = [scored[rank][step] for rank in (0, 1)]
        assert [s["process_index"] for s in local] == [0, 1]
        # TRL's global order = rank 0's rows then rank 1's; every group is one prompt
        ids = [int(i[1:]) for s in local for i in s["ids"]]
        groups = [ids[k : k + generations] for k in range(0, len(ids), generations)]
        assert all(len(set(g)) == 1 for g in groups), ids
        assert len({g[0] for g in groups}) == len(groups)  # distinct prompts
        # one sampler, sharded: the curriculum's first batch is weak, the second strong
        assert {contribution[i] for i in ids} == {"weak" if step == 0 else "strong"}
        # rewards were gathered from both ranks (same table on both)
        table = rewards[0][step]
        np.testing.assert_array_equal(table["per_func"], rewards[1][step]["per_func"])
        total = np.nansum(table["per_func"] * table["weights"][None, :], axis=1)
        grouped = total.reshape(-1, generations)
        mean = grouped.mean(1).repeat(generations)
        std = grouped.std(1, ddof=1).repeat(generations)
        advantages = (total - mean) / (std + 1e-4)
        weights = np.array([weak_weight if contribution[i] == "weak" else 1.0 for i in ids])
        got = np.concatenate([s["advantages"] for s in local])
        np.testing.assert_allclose(got, advantages * weights, rtol=1e-5, atol=1e-6)
    assert any(np.abs(s["advantages"]).max() > 0 for rank in scored.values() for s in rank)

    processor = load_processor(model)
    clips = tmp_path / "data" / "clips"
    for rank, recs in records.items():
        trained = forward_rows(recs, processor, clips)
        assert sorted(trained) == sorted(int(i[1:]) for s in scored[rank] for i in s["ids"])
    same_final_weights(records)
