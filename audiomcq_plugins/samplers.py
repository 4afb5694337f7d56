"""Training samplers: plain repeat, weak-to-strong curriculum, strong-weighted mixing.

Each built-in is a factory registered through the ``register_samplers`` hook::

    factory(dataset, *, mini_repeat_count=1, batch_size=1, repeat_count=1, shuffle=True,
            seed=0, **options) -> torch.utils.data.Sampler

and returns a sampler with the repetition structure of TRL's ``RepeatSampler`` (see
:mod:`audiomcq_plugins.repeat_sampler`): the epoch's *base order* of rows is cut into *sampler
batches* of ``batch_size`` rows (an incomplete last one is dropped); each sampler batch is
yielded ``repeat_count`` times and each row in it ``mini_repeat_count`` times in a row. GRPO
passes ``mini_repeat_count=num_generations``, ``batch_size=generation_batch_size //
num_generations`` and ``repeat_count=num_iterations * steps_per_generation``, so one sampler
batch is one generation round: with TRL's defaults (``num_iterations=1``,
``steps_per_generation = gradient_accumulation_steps``) one optimizer step. Every process must
build its sampler with the same ``seed``; they then yield the same sequence, which accelerate
shards. The factories differ only in the base order; ``dataset`` needs an
``audio_contribution`` column (``weak``/``strong``/null) for the contribution-aware ones.

- ``repeat``: a random permutation of all rows (file order with ``shuffle=False``); epoch 0 is
  identical to ``RepeatSampler`` with the same seed.
- ``curriculum``: weak rows first, then strong rows. Option ``switch_at``: ``None`` (default):
  every weak row once, then strong rows filling the rest of the epoch (an epoch has as many
  sampler batches as ``RepeatSampler`` would: ``len(dataset) // batch_size``); an ``int`` *k*:
  the first *k* sampler batches of each epoch hold weak rows, the rest strong rows; a ``float``
  *f* in [0, 1]: the first ``floor(f * B)`` sampler batches are weak, where ``B =
  len(dataset) // batch_size`` is the number of sampler batches per epoch.
  With an explicit switch no sampler batch mixes the two; a pool that runs out is reshuffled and
  drawn again, one that has more rows than its share is cut (different rows each epoch when
  shuffled). Within a pool the order is a random permutation (file order with
  ``shuffle=False``). Option ``unlabeled``: ``"error"`` (default), ``"weak"`` or ``"strong"``:
  where rows with a null label go.
- ``weighted_mixed``: rows drawn with probability proportional to a per-row weight from
  ``weights`` (default strong 2.0, weak 1.0; same format as
  :func:`audiomcq_plugins.rewards.parse_contribution_weights`; ``unlabeled_weight`` for null
  labels, default 1.0). ``replacement=True`` (default): each row of the epoch's base order is an
  independent draw, so a strong row appears ``w_strong / w_weak`` times as often as a weak one
  on average, and a row may repeat within an epoch. ``replacement=False``: a weighted random
  order without repeats (each draw picks among the rows not yet drawn), so heavier rows come
  earlier and, when ``num_samples`` is below the number of rows, are more likely to be in the
  epoch at all; with all rows drawn the weights change only the order. ``num_samples``
  (default ``len(dataset)``) is the length of the base order. Requires ``shuffle=True``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from audiomcq_plugins import hookimpl
from audiomcq_plugins.rewards import contribution_weights
from audiomcq_plugins.sampler_inputs import (
    UNLABELED_CHOICES,
    SamplerOptionError,
    check_options,
    contribution_pools,
    dataset_contributions,
    positive_int,
    repeat_structure,
)

DEFAULT_SAMPLING_WEIGHTS: dict[str, float] = {"strong": 2.0, "weak": 1.0}


def _draw(pool: Sequence[int], n: int, generator: Any, shuffle: bool, what: str) -> list[int]:
    """``n`` rows from ``pool``: whole (re)shuffled passes over it, cut at ``n``."""
    import torch

    if n and not pool:
        raise SamplerOptionError(f"sampler 'curriculum': {n} {what} rows needed, none in the data")
    out: list[int] = []
    while len(out) < n:
        perm = torch.randperm(len(pool), generator=generator).tolist() if shuffle else None
        out.extend(pool[j] for j in (perm if perm is not None else range(len(pool))))
    return out[:n]


def repeat(
    dataset: Any,
    *,
    mini_repeat_count: int = 1,
    batch_size: int = 1,
    repeat_count: int = 1,
    shuffle: bool = True,
    seed: int = 0,
    **options: Any,
):
    """``RepeatSampler`` as a factory: a random permutation of all rows each epoch."""
    from audiomcq_plugins.repeat_sampler import EpochRepeatSampler

    check_options("repeat", options, ())
    structure = repeat_structure(
        "repeat", mini_repeat_count, batch_size, repeat_count, shuffle, seed
    )
    n = len(dataset)

    def order(generator, shuffle: bool) -> list[int]:
        import torch

        return torch.randperm(n, generator=generator).tolist() if shuffle else list(range(n))

    return EpochRepeatSampler(order, n, **structure)


def _weak_rows(
    name: str, switch_at: int | float | None, n_weak_rows: int, batches: int, batch_size: int
) -> int:
    """How many rows of the epoch come from the weak pool: every weak row (``switch_at`` None),
    else ``switch_at`` sampler batches (an int) or that fraction of the epoch (a float)."""
    if switch_at is None:
        return min(n_weak_rows, batches * batch_size)
    if isinstance(switch_at, bool) or not isinstance(switch_at, (int, float)):
        raise SamplerOptionError(
            f"sampler {name!r}: switch_at = {switch_at!r}; expected an int (sampler "
            "batches), a float in [0, 1] (fraction of the epoch) or null"
        )
    if isinstance(switch_at, float):
        if not 0.0 <= switch_at <= 1.0:
            raise SamplerOptionError(
                f"sampler {name!r}: switch_at = {switch_at!r}; a fraction must be in [0, 1]"
            )
        return math.floor(switch_at * batches) * batch_size
    if switch_at < 0:
        raise SamplerOptionError(f"sampler {name!r}: switch_at = {switch_at!r}; must be >= 0")
    return min(switch_at, batches) * batch_size


def curriculum(
    dataset: Any,
    *,
    mini_repeat_count: int = 1,
    batch_size: int = 1,
    repeat_count: int = 1,
    shuffle: bool = True,
    seed: int = 0,
    switch_at: int | float | None = None,
    unlabeled: str = "error",
    **options: Any,
):
    """Weak rows first, then strong rows (see the module docstring for ``switch_at``)."""
    from audiomcq_plugins.repeat_sampler import EpochRepeatSampler

    name = "curriculum"
    check_options(name, options, ("switch_at", "unlabeled"))
    structure = repeat_structure(name, mini_repeat_count, batch_size, repeat_count, shuffle, seed)
    if unlabeled not in UNLABELED_CHOICES:
        raise SamplerOptionError(
            f"sampler {name!r}: unlabeled = {unlabeled!r}; expected one of "
            f"{', '.join(UNLABELED_CHOICES)}"
        )
    pools = contribution_pools(dataset, name, unlabeled)
    batch = structure["batch_size"]
    total = len(dataset) // batch * batch
    n_weak = _weak_rows(name, switch_at, len(pools["weak"]), len(dataset) // batch, batch)
    n_strong = total - n_weak  # <= len(strong) without switch_at: every row is in one pool

    def order(generator, shuffle: bool) -> list[int]:
        weak = _draw(pools["weak"], n_weak, generator, shuffle, "weak")
        return weak + _draw(pools["strong"], n_strong, generator, shuffle, "strong")

    return EpochRepeatSampler(order, total, **structure)


def weighted_mixed(
    dataset: Any,
    *,
    mini_repeat_count: int = 1,
    batch_size: int = 1,
    repeat_count: int = 1,
    shuffle: bool = True,
    seed: int = 0,
    weights: Mapping[str, Any] | str | None = None,
    unlabeled_weight: float = 1.0,
    replacement: bool = True,
    num_samples: int | None = None,
    **options: Any,
):
    """Rows drawn in proportion to per-contribution weights (strong 2.0, weak 1.0 by default)."""
    from audiomcq_plugins.repeat_sampler import EpochRepeatSampler
    from audiomcq_plugins.rewards import parse_contribution_weights

    name = "weighted_mixed"
    check_options(name, options, ("weights", "unlabeled_weight", "replacement", "num_samples"))
    structure = repeat_structure(name, mini_repeat_count, batch_size, repeat_count, shuffle, seed)
    if not shuffle:
        raise SamplerOptionError(
            f"sampler {name!r} draws rows at random and cannot keep file order (shuffle=False); "
            "use the 'repeat' or 'curriculum' sampler for a fixed order"
        )
    if not isinstance(replacement, bool):
        raise SamplerOptionError(
            f"sampler {name!r}: replacement = {replacement!r}; expected a bool"
        )
    try:
        table = parse_contribution_weights(weights, defaults=DEFAULT_SAMPLING_WEIGHTS)
        row_weights = contribution_weights(
            dataset_contributions(dataset, name), table, default=unlabeled_weight
        )
    except (TypeError, ValueError) as err:
        raise SamplerOptionError(f"sampler {name!r}: {err}") from None
    drawable = sum(w > 0 for w in row_weights)
    n = len(row_weights) if num_samples is None else positive_int("num_samples", num_samples, name)
    if drawable == 0:
        raise SamplerOptionError(
            f"sampler {name!r}: every row has weight 0 (weights {table}); raise a weight"
        )
    if not replacement and n > drawable:
        raise SamplerOptionError(
            f"sampler {name!r}: num_samples = {n} but only {drawable} rows have a weight > 0; "
            "without replacement an epoch cannot be longer; lower num_samples or set "
            "replacement: true"
        )
    total = (n // structure["batch_size"]) * structure["batch_size"]

    def order(generator, shuffle: bool) -> list[int]:
        import torch

        if total == 0:
            return []
        probs = torch.tensor(row_weights, dtype=torch.float64)
        return torch.multinomial(probs, total, replacement, generator=generator).tolist()

    return EpochRepeatSampler(order, total, **structure)


BUILTIN_SAMPLERS: dict[str, Callable[..., Any]] = {
    "repeat": repeat,
    "curriculum": curriculum,
    "weighted_mixed": weighted_mixed,
}


@hookimpl
def register_samplers(register: Callable[[str, Callable[..., Any]], None]) -> None:
    for name, factory in BUILTIN_SAMPLERS.items():
        register(name, factory)
