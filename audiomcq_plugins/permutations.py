"""Option-order robustness, harness-neutral: the orders an item is asked in, mapping answers
back to the original options, and the per-item aggregates (CircularEval and friends).

An *order* is a list of original option indices: under order ``o`` the model sees
``choices[o[0]], choices[o[1]], ...``, so a chosen shown position ``j`` is original option
``o[j]``. ``circular`` gives the ``n`` cyclic rotations of ``n`` options (each option visits
each position once; MMBench's CircularEval); ``random`` gives ``k`` distinct seeded
permutations per item (the first is the original order, as a reference point).

Each asked order yields one :data:`Outcome` ``(item_id, order_index, correct, chosen)``
(``chosen``: the normalised text of the original option the answer maps back to, ``None`` when
unparsed). The aggregates below take a list of outcomes (NaN entries, for documents a metric
does not apply to, are skipped), so any harness can call them on its per-document values.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from audiomcq_plugins.items import LETTERS, MAX_CHOICES, MIN_CHOICES

MODES = ("circular", "random")
DEFAULT_PERMUTATIONS = 5
DEFAULT_SEED = 0

#: (item_id, order_index, correct, chosen option text or None)
Outcome = tuple[str, int, float, "str | None"]


def _check_n(n: int) -> None:
    if not MIN_CHOICES <= n <= MAX_CHOICES:
        raise ValueError(f"option orders need {MIN_CHOICES} to {MAX_CHOICES} choices, got {n}")


def rotations(n: int) -> list[list[int]]:
    """The ``n`` cyclic rotations of ``n`` options; rotation ``r`` shows option ``(i + r) % n``
    at position ``i`` (rotation 0 is the original order)."""
    _check_n(n)
    return [[(i + r) % n for i in range(n)] for r in range(n)]


def seeded_permutation(n: int, seed: int | str) -> list[int]:
    """A permutation of ``range(n)`` fixed by ``seed`` on every platform and Python version
    (Fisher-Yates driven by ``random.Random(seed).random()``, whose sequence Python guarantees,
    rather than ``shuffle``, whose algorithm it does not)."""
    rng = random.Random(seed)
    permutation = list(range(n))
    for i in range(n - 1, 0, -1):
        j = int(rng.random() * (i + 1))
        permutation[i], permutation[j] = permutation[j], permutation[i]
    return permutation


def random_orders(n: int, k: int, seed: int, item_id: str) -> list[list[int]]:
    """``k`` distinct orders of ``n`` options (fewer when ``n!`` is smaller), the original
    first, then seeded by ``(seed, item_id)`` so every item gets its own."""
    _check_n(n)
    if k < 1:
        raise ValueError(f"the number of permutations must be at least 1, got {k}")
    k = min(k, math.factorial(n))
    orders = [list(range(n))]
    base = hashlib.sha256(f"{seed}\0{item_id}".encode()).hexdigest()
    draw = 0
    while len(orders) < k:
        order = seeded_permutation(n, f"{base}:{draw}")
        draw += 1
        if order not in orders:
            orders.append(order)
    return orders


def orders(
    n: int, mode: str, *, k: int = DEFAULT_PERMUTATIONS, seed: int = DEFAULT_SEED, item_id: str = ""
) -> list[list[int]]:
    """The orders an item with ``n`` options is asked in under ``mode``."""
    if mode == "circular":
        return rotations(n)
    if mode == "random":
        return random_orders(n, k, seed, item_id)
    raise ValueError(f"option order mode must be one of {MODES}, not {mode!r}")


def apply(choices: Sequence[str], order: Sequence[int]) -> list[str]:
    """The choices as shown under ``order``."""
    return [choices[i] for i in order]


def shown_index(order: Sequence[int], original: int | None) -> int | None:
    """Where original option ``original`` is shown under ``order`` (None stays None)."""
    return None if original is None else list(order).index(original)


def map_back(order: Sequence[int], shown: int | None) -> int | None:
    """The original index of the option shown at position ``shown`` (None: unparsed)."""
    return None if shown is None else order[shown]


def position_letter(position: int) -> str:
    return LETTERS[position]


# --- aggregation ---------------------------------------------------------------------------


def _outcomes(values: Iterable[Any]) -> list[Outcome]:
    """The outcomes among ``values``, skipping NaN (documents a metric does not cover)."""
    return [tuple(v) for v in values if not (isinstance(v, float) and math.isnan(v))]  # type: ignore[misc]


def _by_item(values: Iterable[Any]) -> dict[str, list[Outcome]]:
    items: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in _outcomes(values):
        items[outcome[0]].append(outcome)
    return items


def circular_accuracy(values: Iterable[Any]) -> float:
    """Fraction of items answered correctly under every order they were asked in."""
    items = _by_item(values)
    if not items:
        return math.nan
    return sum(all(o[2] for o in outs) for outs in items.values()) / len(items)


def _order_accuracies(values: Iterable[Any]) -> list[float]:
    """Accuracy of each order index (rotation ``r`` / permutation ``j``) over the items asked
    in it."""
    by_order: dict[int, list[float]] = defaultdict(list)
    for outcome in _outcomes(values):
        by_order[int(outcome[1])].append(float(outcome[2]))
    return [sum(v) / len(v) for _, v in sorted(by_order.items())]


def order_mean(values: Iterable[Any]) -> float:
    """Mean accuracy over orders."""
    accs = _order_accuracies(values)
    return sum(accs) / len(accs) if accs else math.nan


def order_std(values: Iterable[Any]) -> float:
    """Spread (population standard deviation) of the accuracy over orders."""
    accs = _order_accuracies(values)
    if not accs:
        return math.nan
    mean = sum(accs) / len(accs)
    return math.sqrt(sum((a - mean) ** 2 for a in accs) / len(accs))


def choice_changed(values: Iterable[Any]) -> float:
    """Fraction of items whose chosen option (mapped back to the original; identical option
    texts are one option; unparsed is a choice of its own) changed with the order."""
    items = _by_item(values)
    if not items:
        return math.nan
    return sum(len({o[3] for o in outs}) > 1 for outs in items.values()) / len(items)


def position_bias(rows: Iterable[tuple[int | None, int | None, bool]]) -> dict[str, Any]:
    """Accuracy by the answer's shown position and the distribution of chosen positions, from
    ``(answer_position, chosen_position, correct)`` rows (positions None when unknown or
    unparsed). Letters without documents are left out of ``accuracy_by_answer_position``."""
    rows = list(rows)
    by_answer: dict[str, list[bool]] = defaultdict(list)
    chosen: dict[str, int] = defaultdict(int)
    for answer, choice, correct in rows:
        if answer is not None:
            by_answer[position_letter(answer)].append(bool(correct))
        chosen[position_letter(choice) if choice is not None else "unparsed"] += 1
    total = len(rows) or 1
    return {
        "accuracy_by_answer_position": {p: sum(v) / len(v) for p, v in sorted(by_answer.items())},
        "chosen_positions": {p: n / total for p, n in sorted(chosen.items())},
    }
