"""Built-in samplers: RepeatSampler structure, curriculum order, weights, determinism."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="samplers need torch (pip install '.[trl]')")
trl_utils = pytest.importorskip("trl.trainer.utils", reason="needs trl (pip install '.[trl]')")

from audiomcq_plugins import plugins  # noqa: E402
from audiomcq_plugins.samplers import SamplerOptionError  # noqa: E402

RepeatSampler = trl_utils.RepeatSampler
CONFIGS = [  # (mini_repeat_count, batch_size, repeat_count)
    (1, 1, 1),
    (2, 3, 4),
    (8, 2, 1),
    (3, 4, 2),
]


def rows(labels: str) -> list[dict]:
    """'wsw.' -> rows labelled weak, strong, weak, null."""
    names = {"w": "weak", "s": "strong", ".": None}
    return [{"id": str(i), "audio_contribution": names[c]} for i, c in enumerate(labels)]


def sampler(name: str, dataset, **kwargs):
    return plugins.get("samplers", name)(dataset, **kwargs)


def restructured(order: list[int], mini: int, batch: int, repeat: int) -> list[int]:
    """RepeatSampler's own output over positions, mapped through ``order``."""
    positions = RepeatSampler(order, mini, batch, repeat, shuffle=False)
    return [order[p] for p in positions]


class TestRepeat:
    @pytest.mark.parametrize("mini,batch,repeat", CONFIGS)
    @pytest.mark.parametrize("n", [7, 12])
    def test_equals_trl_repeat_sampler(self, n, mini, batch, repeat):
        data = rows("w" * n)
        for shuffle in (False, True):
            ours = sampler(
                "repeat", data, mini_repeat_count=mini, batch_size=batch, repeat_count=repeat,
                shuffle=shuffle, seed=42,
            )  # fmt: skip
            theirs = RepeatSampler(data, mini, batch, repeat, shuffle=shuffle, seed=42)
            assert list(ours) == list(theirs)
            assert len(ours) == len(theirs)

    def test_epochs_differ_and_set_epoch_reproduces(self):
        s = sampler("repeat", rows("w" * 20), seed=3)
        first, second = list(s), list(s)
        assert first != second and sorted(first) == sorted(second)
        s.set_epoch(0)
        assert list(s) == first
        s.set_epoch(1)
        assert list(s) == second

    def test_rejects_unknown_option_and_bad_structure(self):
        with pytest.raises(SamplerOptionError, match="does not take option.*'switch_at'"):
            sampler("repeat", rows("w"), switch_at=1)
        with pytest.raises(SamplerOptionError, match="batch_size = 0"):
            sampler("repeat", rows("w"), batch_size=0)
        with pytest.raises(SamplerOptionError, match="shuffle = 'yes'"):
            sampler("repeat", rows("w"), shuffle="yes")


class TestCurriculum:
    DATA = rows("swswsswwsswwswsw" + "ss")  # 8 weak, 10 strong

    def labels(self, indices):
        return [self.DATA[i]["audio_contribution"] for i in indices]

    def test_weak_before_strong_each_weak_row_once(self):
        s = sampler("curriculum", self.DATA, batch_size=4, mini_repeat_count=2, seed=5)
        out = list(s)
        labels = self.labels(out)
        assert labels == sorted(labels, key=lambda x: x == "strong")  # all weak, then strong
        order = s.epoch_order(0)
        assert sorted(order[:8]) == [
            i for i, r in enumerate(self.DATA) if r["audio_contribution"] == "weak"
        ]
        assert len(set(order)) == len(order) == 16  # 18 rows // 4 * 4, no repeats

    @pytest.mark.parametrize(
        "switch_at,weak_batches", [(1, 1), (3, 3), (99, 4), (0.5, 2), (0.0, 0), (1.0, 4)]
    )
    def test_switch_point_in_sampler_batches(self, switch_at, weak_batches):
        s = sampler("curriculum", self.DATA, batch_size=4, switch_at=switch_at, seed=1)
        labels = self.labels(list(s))
        assert labels == ["weak"] * (4 * weak_batches) + ["strong"] * (16 - 4 * weak_batches)

    def test_exhausted_pool_is_drawn_again(self):
        s = sampler("curriculum", self.DATA, batch_size=3, switch_at=4, seed=0)  # 12 weak slots
        order = s.epoch_order(0)
        assert self.labels(order[:12]) == ["weak"] * 12
        assert sorted(set(order[:12])) == sorted(set(order[:8]))  # all 8 weak rows, 4 again

    @pytest.mark.parametrize("mini,batch,repeat", CONFIGS)
    def test_repetition_structure_is_repeat_samplers(self, mini, batch, repeat):
        s = sampler(
            "curriculum",
            self.DATA,
            mini_repeat_count=mini,
            batch_size=batch,
            repeat_count=repeat,
            seed=9,
        )
        order = s.epoch_order(0)
        assert list(s) == restructured(order, mini, batch, repeat)
        assert len(s) == len(RepeatSampler(self.DATA, mini, batch, repeat))

    def test_file_order_without_shuffle(self):
        s = sampler("curriculum", rows("swsw"), shuffle=False)
        assert list(s) == [1, 3, 0, 2]

    def test_unlabeled_rows(self):
        with pytest.raises(SamplerOptionError, match="row 1 has no audio_contribution"):
            sampler("curriculum", rows("w.s"))
        s = sampler("curriculum", rows("w.s"), unlabeled="weak", shuffle=False)
        assert list(s) == [0, 1, 2]

    def test_bad_options(self):
        with pytest.raises(SamplerOptionError, match="fraction must be in"):
            sampler("curriculum", self.DATA, switch_at=1.5)
        with pytest.raises(SamplerOptionError, match="must be >= 0"):
            sampler("curriculum", self.DATA, switch_at=-1)
        with pytest.raises(SamplerOptionError, match="switch_at = 'half'"):
            sampler("curriculum", self.DATA, switch_at="half")
        with pytest.raises(SamplerOptionError, match="unlabeled = 'drop'"):
            sampler("curriculum", self.DATA, unlabeled="drop")
        with pytest.raises(ValueError, match="row 0: audio_contribution = 'medium'"):
            sampler("curriculum", [{"audio_contribution": "medium"}])
        with pytest.raises(SamplerOptionError, match="row 0 has no 'audio_contribution'"):
            sampler("curriculum", [{"id": "x"}])
        with pytest.raises(SamplerOptionError, match="none in the data"):
            list(sampler("curriculum", rows("ss"), switch_at=1))


class TestWeightedMixed:
    DATA = rows("ws" * 50)

    def test_strong_drawn_more_often_with_replacement(self):
        s = sampler(
            "weighted_mixed",
            self.DATA,
            weights={"strong": 3.0, "weak": 1.0},
            num_samples=20000,
            seed=0,
        )
        order = s.epoch_order(0)
        share = sum(self.DATA[i]["audio_contribution"] == "strong" for i in order) / len(order)
        assert abs(share - 0.75) < 0.02  # expected 3/(3+1); sd ~0.003
        assert len(set(order)) == 100  # every row drawn at least once

    def test_default_weights_are_two_to_one(self):
        s = sampler("weighted_mixed", self.DATA, num_samples=30000, seed=1)
        order = s.epoch_order(0)
        share = sum(self.DATA[i]["audio_contribution"] == "strong" for i in order) / len(order)
        assert abs(share - 2 / 3) < 0.02

    def test_without_replacement_is_a_weighted_order(self):
        s = sampler(
            "weighted_mixed", self.DATA, weights="strong=10,weak=1", replacement=False, seed=2
        )
        order = s.epoch_order(0)
        assert sorted(order) == list(range(100))  # each row exactly once
        first_half = order[:50]
        assert sum(self.DATA[i]["audio_contribution"] == "strong" for i in first_half) > 40

    def test_zero_weight_is_never_drawn(self):
        s = sampler("weighted_mixed", self.DATA, weights={"weak": 0}, num_samples=500, seed=0)
        assert set(self.labels(list(s))) == {"strong"}

    def labels(self, indices):
        return [self.DATA[i]["audio_contribution"] for i in indices]

    @pytest.mark.parametrize("mini,batch,repeat", CONFIGS)
    def test_repetition_structure_is_repeat_samplers(self, mini, batch, repeat):
        s = sampler(
            "weighted_mixed",
            self.DATA[:15],
            mini_repeat_count=mini,
            batch_size=batch,
            repeat_count=repeat,
        )
        assert list(s) == restructured(s.epoch_order(0), mini, batch, repeat)
        assert len(s) == len(RepeatSampler(self.DATA[:15], mini, batch, repeat))

    def test_bad_options(self):
        with pytest.raises(SamplerOptionError, match="cannot keep file order"):
            sampler("weighted_mixed", self.DATA, shuffle=False)
        with pytest.raises(SamplerOptionError, match="only 50 rows have a weight > 0"):
            sampler("weighted_mixed", self.DATA, weights={"weak": 0}, replacement=False)
        with pytest.raises(SamplerOptionError, match="every row has weight 0"):
            sampler("weighted_mixed", self.DATA, weights={"weak": 0, "strong": 0})
        with pytest.raises(SamplerOptionError, match="unknown key 'medium'"):
            sampler("weighted_mixed", self.DATA, weights={"medium": 1})
        with pytest.raises(SamplerOptionError, match="num_samples = 0"):
            sampler("weighted_mixed", self.DATA, num_samples=0)
        with pytest.raises(SamplerOptionError, match="does not take option"):
            sampler("weighted_mixed", self.DATA, weight=2)


@pytest.mark.parametrize("name", ["repeat", "curriculum", "weighted_mixed"])
class TestAllSamplers:
    DATA = rows("wwsswsswsw.ws" * 3)
    OPTS = {
        "curriculum": {"unlabeled": "strong", "switch_at": 0.5},
        "weighted_mixed": {},
        "repeat": {},
    }

    def build(self, name, seed=7, **kw):
        return sampler(
            name, self.DATA, seed=seed, mini_repeat_count=4, batch_size=3, **kw, **self.OPTS[name]
        )

    def test_same_seed_same_sequence_in_every_process(self, name):
        a, b = self.build(name), self.build(name)
        assert list(a) == list(b) and list(a) == list(b)  # two epochs
        assert list(self.build(name)) != list(self.build(name, seed=8))

    def test_accelerate_shards_the_shared_sequence(self, name):
        from accelerate.data_loader import BatchSamplerShard
        from torch.utils.data import BatchSampler

        per_device = 4
        shards = [
            list(
                BatchSamplerShard(
                    BatchSampler(self.build(name), per_device, drop_last=False), 2, rank
                )
            )
            for rank in range(2)
        ]
        interleaved = [idx for pair in zip(*shards, strict=True) for batch in pair for idx in batch]
        sequence = list(self.build(name))
        # accelerate completes the last round of batches from the start of the sequence
        assert len(sequence) <= len(interleaved) < len(sequence) + 2 * per_device
        assert interleaved == (sequence * 2)[: len(interleaved)]

    def test_works_on_a_datasets_dataset(self, name):
        datasets = pytest.importorskip("datasets")
        ds = datasets.Dataset.from_list(self.DATA)
        assert list(sampler(name, ds, seed=3, **self.OPTS[name])) == list(
            sampler(name, self.DATA, seed=3, **self.OPTS[name])
        )


@pytest.mark.parametrize("name", ["curriculum", "weighted_mixed"])
def test_missing_contribution_column_is_named(name):
    datasets = pytest.importorskip("datasets")
    with pytest.raises(SamplerOptionError, match="needs an 'audio_contribution' column"):
        sampler(name, datasets.Dataset.from_list([{"id": "a"}]))


def test_registry_lists_the_builtins():
    assert {"repeat", "curriculum", "weighted_mixed"} <= set(plugins.registry("samplers").names())
