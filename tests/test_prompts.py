"""Prompt formats: exact texts, the registry, and seeded choice shuffling."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from audiomcq_plugins import plugins, prompts
from audiomcq_plugins.prompts import AUDIOMCQ_SYSTEM_PROMPT, render, shuffle_choices

CHOICES = ["Man", "Woman", "Child", "Robot"]


class TestR1AQA:
    def test_exact_text_with_python_list_repr(self):
        assert render("r1aqa", "Who is speaking?", CHOICES) == (
            "Who is speaking? Please choose the answer from the following options: "
            "['Man', 'Woman', 'Child', 'Robot']. Output the final answer in <answer> </answer>."
        )

    def test_list_repr_quotes_like_python(self):
        text = render("r1aqa", "Q?", ["It's loud", "Quiet"])
        assert "[\"It's loud\", 'Quiet']" in text

    def test_system_prompt(self):
        assert AUDIOMCQ_SYSTEM_PROMPT == (
            "You are an audio understanding model that answers multiple choice questions based "
            "on audio content."
        )


class TestMMAU:
    def test_exact_text(self):
        assert render("mmau", "What plays?", ["Piano", "Drums"]) == (
            "What plays? Select one option from the provided choices.\n['Piano', 'Drums']"
        )


class TestMMAR:
    def test_one_choice_per_line(self):
        assert render("mmar", "Where is it?", ["Near", "Far", "Moving"]) == (
            "Where is it?\nSelect one option from the provided choices:\nNear\nFar\nMoving"
        )


class TestMMSU:
    def test_official_four_choice_text(self):
        assert render("mmsu", "Which word is stressed?", ["w", "x", "y", "z"]) == (
            "Choose the most suitable answer from options A, B, C, and D. You must respond with "
            "only A, B, C, or D.\n\nQuestion: Which word is stressed?\n\n"
            "A. w\nB. x\nC. y\nD. z"
        )

    @pytest.mark.parametrize(
        ("n", "options", "only"),
        [
            (2, "A and B", "A or B"),
            (3, "A, B, and C", "A, B, or C"),
            (5, "A, B, C, D, and E", "A, B, C, D, or E"),
        ],
    )
    def test_generalised_letters(self, n, options, only):
        text = render("mmsu", "Q", [f"c{i}" for i in range(n)])
        assert text.startswith(
            f"Choose the most suitable answer from options {options}. "
            f"You must respond with only {only}.\n\nQuestion: Q\n\n"
        )
        assert text.endswith(f"{'ABCDEFGH'[n - 1]}. c{n - 1}")


class TestLettered:
    def test_eight_choices(self):
        text = render("lettered", "Q", [str(i) for i in range(8)])
        assert text.splitlines() == [
            "Q",
            *(f"{'ABCDEFGH'[i]}. {i}" for i in range(8)),
            "Answer with the option's letter.",
        ]

    @pytest.mark.parametrize("n", [0, 1, 9])
    def test_rejects_unsupported_counts(self, n):
        with pytest.raises(ValueError, match=f"got {n}"):
            render("lettered", "Q", [str(i) for i in range(n)])


class TestRegistry:
    def test_builtin_formats_registered_by_this_module(self):
        names = set(prompts.FORMATS)
        assert names == {"r1aqa", "mmau", "mmar", "mmsu", "lettered", "airbench", "mmau_pro"}
        info = plugins.describe()["audiomcq_plugins.prompts"]["prompt_formats"]
        assert set(info) == names

    def test_unknown_name_lists_known(self):
        with pytest.raises(plugins.UnknownNameError, match="r1aqa"):
            render("r1aqq", "Q", CHOICES)


class TestShuffleChoices:
    def test_mapping_is_kept(self):
        new, new_answer, perm = shuffle_choices(CHOICES, 2, seed=7)
        assert sorted(new) == sorted(CHOICES)
        assert new[new_answer] == "Child"
        assert [CHOICES[p] for p in perm] == new

    def test_seeded_and_deterministic(self):
        assert shuffle_choices(CHOICES, 0, seed=3) == shuffle_choices(CHOICES, 0, seed=3)
        perms = {tuple(shuffle_choices(CHOICES, 0, seed=s)[2]) for s in range(50)}
        assert len(perms) > 10  # different seeds give different orders

    def test_pinned_permutation(self):
        # Pinned so a change of algorithm (and so of published shuffled scores) is noticed.
        # Random(0).random() gives 0.844, 0.758, 0.421: j = int(0.844*4) = 3 (no swap),
        # int(0.758*3) = 2 (no swap), int(0.421*2) = 0 (swap positions 0 and 1).
        assert shuffle_choices(CHOICES, 0, seed=0)[2] == [1, 0, 2, 3]

    def test_bad_answer_index(self):
        with pytest.raises(ValueError, match="out of range"):
            shuffle_choices(CHOICES, 4, seed=0)

    @given(
        st.lists(st.text(max_size=5), min_size=2, max_size=8),
        st.integers(min_value=0),
        st.data(),
    )
    def test_property_permutation(self, choices, seed, data):
        answer = data.draw(st.integers(min_value=0, max_value=len(choices) - 1))
        new, new_answer, perm = shuffle_choices(choices, answer, seed)
        assert sorted(perm) == list(range(len(choices)))
        assert perm[new_answer] == answer
        assert new == [choices[p] for p in perm]
