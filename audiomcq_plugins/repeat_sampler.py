"""The torch ``Sampler`` behind the built-in sampler factories (imported lazily: needs torch).

:class:`EpochRepeatSampler` has the repetition structure of TRL's ``RepeatSampler``: the epoch's
base order of dataset rows is cut into chunks of ``batch_size`` rows (an incomplete last chunk is
dropped), each chunk is yielded ``repeat_count`` times, and within a chunk each row
``mini_repeat_count`` times in a row. Only the base order is pluggable: ``order_fn(generator,
shuffle)`` returns it, drawing randomness from the torch generator it is given.

The generator of epoch ``e`` is seeded with ``seed + e``. Every process that builds the sampler
with the same seed therefore yields the same sequence (accelerate then shards it across
processes), and an epoch's order does not depend on how many epochs were iterated before
(resuming mid-run reproduces it). The trainer calls :meth:`set_epoch`; without it the epoch
counter advances by one per pass. Epoch 0 matches ``RepeatSampler`` with the same seed exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import torch
from torch.utils.data import Sampler

OrderFn = Callable[[torch.Generator, bool], Sequence[int]]


def repeat_structure(
    order: Sequence[int], mini_repeat_count: int, batch_size: int, repeat_count: int
) -> Iterator[int]:
    """Yield ``order`` with RepeatSampler's chunking and repetition (full chunks only)."""
    for start in range(0, len(order) - batch_size + 1, batch_size):
        chunk = order[start : start + batch_size]
        for _ in range(repeat_count):
            for index in chunk:
                for _ in range(mini_repeat_count):
                    yield int(index)


class EpochRepeatSampler(Sampler[int]):
    """RepeatSampler structure over a per-epoch base order from ``order_fn``."""

    def __init__(
        self,
        order_fn: OrderFn,
        num_rows: int,
        *,
        mini_repeat_count: int = 1,
        batch_size: int = 1,
        repeat_count: int = 1,
        shuffle: bool = True,
        seed: int = 0,
    ) -> None:
        self.order_fn = order_fn
        self.num_rows = num_rows  # length of the base order of each epoch
        self.mini_repeat_count = mini_repeat_count
        self.batch_size = batch_size
        self.repeat_count = repeat_count
        self.shuffle = shuffle
        self.seed = seed
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def epoch_order(self, epoch: int | None = None) -> list[int]:
        """The base order (before repetition) of one epoch; the current one by default."""
        generator = torch.Generator()
        generator.manual_seed(self.seed + (self.epoch if epoch is None else epoch))
        return [int(i) for i in self.order_fn(generator, self.shuffle)]

    def __iter__(self) -> Iterator[int]:
        order = self.epoch_order()
        self.epoch += 1
        yield from repeat_structure(
            order, self.mini_repeat_count, self.batch_size, self.repeat_count
        )

    def __len__(self) -> int:
        full = (self.num_rows // self.batch_size) * self.batch_size
        return full * self.mini_repeat_count * self.repeat_count
