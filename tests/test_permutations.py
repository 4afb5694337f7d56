"""Option orders (audiomcq_plugins.permutations): rotations, seeded permutations, mapping
answers back, and the per-item aggregates. Harness-free."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from audiomcq_plugins import permutations as P
from audiomcq_plugins.prompts import shuffle_choices
from audiomcq_plugins.scoring.matchers import strict


@pytest.mark.parametrize("n", range(2, 9))
def test_rotations_visit_every_position_once(n):
    rots = P.rotations(n)
    assert len(rots) == n and rots[0] == list(range(n))
    for option in range(n):
        assert sorted(r.index(option) for r in rots) == list(range(n))
    assert len({tuple(r) for r in rots}) == n
    assert rots[1] == [*range(1, n), 0]


@pytest.mark.parametrize("n", [1, 9])
def test_orders_refuse_bad_option_counts(n):
    with pytest.raises(ValueError, match="2 to 8 choices, got"):
        P.rotations(n)


def test_random_orders_are_seeded_distinct_and_capped():
    a = P.random_orders(4, 5, seed=0, item_id="x")
    assert a == P.random_orders(4, 5, seed=0, item_id="x")
    assert a[0] == [0, 1, 2, 3] and len({tuple(o) for o in a}) == 5
    assert a != P.random_orders(4, 5, seed=1, item_id="x")
    assert a != P.random_orders(4, 5, seed=0, item_id="y")
    assert sorted(map(tuple, P.random_orders(2, 5, seed=0, item_id="x"))) == [(0, 1), (1, 0)]
    with pytest.raises(ValueError, match="at least 1"):
        P.random_orders(4, 0, seed=0, item_id="x")
    with pytest.raises(ValueError, match="must be one of"):
        P.orders(4, "reversed")


def test_shuffle_choices_uses_the_same_permutation():
    choices = ["a", "b", "c", "d", "e"]
    new, answer, perm = shuffle_choices(choices, 2, seed=7)
    assert perm == P.seeded_permutation(5, 7) and new == P.apply(choices, perm)
    assert new[answer] == "c"


@given(
    st.lists(st.sampled_from(["man", "woman", "dog", "Dog", "rain"]), min_size=2, max_size=8),
    st.data(),
)
def test_answers_map_back_to_the_original_option(choices, data):
    """For 2-8 options, duplicates included: picking the shown position of original option i
    maps back to an option with i's text, and the strict scorer agrees on correctness."""
    n = len(choices)
    answer = data.draw(st.integers(0, n - 1))
    for order in P.rotations(n) + P.random_orders(n, 6, seed=3, item_id="q"):
        shown = P.apply(choices, order)
        at = P.shown_index(order, answer)
        assert shown[at] == choices[answer]
        assert P.map_back(order, at) == answer
        for j in range(n):
            assert choices[P.map_back(order, j)] == shown[j]
        verdict = strict(shown[at], shown, choices[answer])
        assert verdict.correct and shown[verdict.choice].casefold() == choices[answer].casefold()
    assert P.map_back([1, 0], None) is None and P.shown_index([1, 0], None) is None


def _always_first(items: dict[str, tuple[list[str], int]], mode: str = "circular"):
    """Outcomes and position rows of a model that always answers the first shown option."""
    outcomes, rows = [], []
    for item_id, (choices, answer) in items.items():
        for j, order in enumerate(P.orders(len(choices), mode, k=3, item_id=item_id)):
            at = P.shown_index(order, answer)
            correct = at == 0
            outcomes.append((item_id, j, float(correct), choices[P.map_back(order, 0)]))
            rows.append((at, 0, correct))
    return outcomes, rows


def test_first_position_model_scores_chance_and_full_position_a_bias():
    # answers skewed to A (as in MMAU): the original order flatters an "always A" model
    items = {f"q{i}": (["w", "x", "y", "z"], 0 if i < 4 else i % 4) for i in range(8)}
    outcomes, rows = _always_first(items)
    assert [o[2] for o in outcomes if o[1] == 0].count(1.0) == 5  # 5/8 in the original order
    assert P.circular_accuracy(outcomes) == 0.0
    assert P.order_mean(outcomes) == pytest.approx(0.25)
    assert P.order_std(outcomes) == pytest.approx(math.sqrt(3) / 8)
    assert P.choice_changed(outcomes) == 1.0
    bias = P.position_bias(rows)
    assert bias["chosen_positions"] == {"A": 1.0}
    assert bias["accuracy_by_answer_position"] == {"A": 1.0, "B": 0.0, "C": 0.0, "D": 0.0}


def test_aggregates_group_by_item_and_skip_nan():
    values = [
        ("a", 0, 1.0, "x"),
        ("a", 1, 1.0, "x"),
        ("b", 0, 1.0, "y"),
        ("b", 1, 0.0, None),
        math.nan,
    ]
    assert P.circular_accuracy(values) == 0.5
    assert P.order_mean(values) == 0.75 and P.order_std(values) == 0.25
    assert P.choice_changed(values) == 0.5
    assert math.isnan(P.circular_accuracy([math.nan])) and math.isnan(P.order_std([]))
