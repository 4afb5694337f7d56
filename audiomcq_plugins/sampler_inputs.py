"""What every built-in sampler factory of :mod:`audiomcq_plugins.samplers` checks and reads:
its options (one error naming the sampler, the option and the value), the repetition structure
TRL passes, and the rows' ``audio_contribution`` labels."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from audiomcq_plugins.rewards import normalise_contribution

CONTRIBUTION_COLUMN = "audio_contribution"
UNLABELED_CHOICES = ("error", "weak", "strong")


class SamplerOptionError(ValueError):
    """A sampler factory got an option it does not take, or a bad value."""


def positive_int(name: str, value: Any, sampler: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise SamplerOptionError(
            f"sampler {sampler!r}: {name} = {value!r}; expected an integer >= {minimum}"
        )
    return value


def check_options(sampler: str, options: Mapping[str, Any], accepted: Sequence[str]) -> None:
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise SamplerOptionError(
            f"sampler {sampler!r} does not take option(s) {', '.join(map(repr, unknown))}; "
            f"it takes: {', '.join(accepted) or 'none'}"
        )


def dataset_contributions(dataset: Any, sampler: str = "") -> list[Any]:
    """The raw ``audio_contribution`` value of every row (a list, or a datasets column)."""
    names = getattr(dataset, "column_names", None)
    if names is not None:
        if CONTRIBUTION_COLUMN not in names:
            raise SamplerOptionError(
                f"sampler {sampler!r} needs an {CONTRIBUTION_COLUMN!r} column "
                f"(weak/strong/null); the dataset has {', '.join(names)}. Prepare the data with "
                "`audiomcq train prepare-data`, which writes it"
            )
        return list(dataset[CONTRIBUTION_COLUMN])
    values = []
    for i, row in enumerate(dataset):
        if not isinstance(row, Mapping) or CONTRIBUTION_COLUMN not in row:
            raise SamplerOptionError(
                f"sampler {sampler!r}: row {i} has no {CONTRIBUTION_COLUMN!r} field: {row!r:.80}"
            )
        values.append(row[CONTRIBUTION_COLUMN])
    return values


def repeat_structure(
    sampler: str,
    mini_repeat_count: int,
    batch_size: int,
    repeat_count: int,
    shuffle: Any,
    seed: Any,
) -> dict[str, Any]:
    if not isinstance(shuffle, bool):
        raise SamplerOptionError(f"sampler {sampler!r}: shuffle = {shuffle!r}; expected a bool")
    return {
        "mini_repeat_count": positive_int("mini_repeat_count", mini_repeat_count, sampler),
        "batch_size": positive_int("batch_size", batch_size, sampler),
        "repeat_count": positive_int("repeat_count", repeat_count, sampler),
        "shuffle": shuffle,
        "seed": positive_int("seed", seed, sampler, minimum=0),
    }


def contribution_pools(dataset: Any, name: str, unlabeled: str) -> dict[str, list[int]]:
    """Row indices by contribution label; unlabeled rows go to ``unlabeled`` (or refuse)."""
    pools: dict[str, list[int]] = {"weak": [], "strong": []}
    for i, value in enumerate(dataset_contributions(dataset, name)):
        label = normalise_contribution(value, where=f"sampler {name!r}: row {i}: ")
        if label is None:
            if unlabeled == "error":
                raise SamplerOptionError(
                    f"sampler {name!r}: row {i} has no audio_contribution label; label the data "
                    "(an audio_contribution of weak or strong) or set unlabeled: weak|strong"
                )
            label = unlabeled
        pools[label].append(i)
    return pools
