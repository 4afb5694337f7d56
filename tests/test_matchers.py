"""Matchers: the official rules quirk for quirk, and the strict scorer's guarantees."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from audiomcq_plugins import plugins
from audiomcq_plugins.scoring import (
    Verdict,
    mmau_official,
    mmsu_official,
    r1aqa_official,
    strict,
    string_match,
)
from audiomcq_plugins.scoring.extract import key

PEOPLE = ["Man", "Woman", "Child", "Robot"]
MMSU = ["Rising", "Falling", "Flat", "Rising then falling"]


class TestRegistry:
    def test_builtin_scorers(self):
        names = set(plugins.registry("scorers").names())
        assert {"mmau-official", "mmsu-official", "r1aqa-official", "strict"} <= names
        assert plugins.get("scorers", "strict") is strict

    def test_verdict_fields(self):
        v = Verdict(correct=True, parsed=True)
        assert (v.correct, v.parsed, v.counted, v.choice) == (True, True, True, None)


class TestStringMatch:
    @pytest.mark.parametrize(
        ("prediction", "expected"),
        [
            ("Man", True),
            ("The answer is Man.", True),
            ("(A) Man", True),
            ("man", True),
            ("A", False),  # a bare letter has no answer token
            ("Man or Woman", False),  # a distractor's token
            ("", False),
            ("!!", False),  # no word tokens at all
            ("Human", False),  # "man" is not a token of "human"
        ],
    )
    def test_documented_cases(self, prediction, expected):
        assert string_match("Man", prediction, PEOPLE) is expected

    def test_letter_prefix_wrong_when_a_distractor_has_that_word(self):
        choices = ["Woman and child", "A man and a child"]
        # "(A)" adds the token "a", which only the distractor has.
        assert string_match("Woman and child", "(A) Woman and child", choices) is False

    def test_order_blindness(self):
        choices = ["From far to near", "From near to far", "Static"]
        assert string_match("From far to near", "from near to far", choices) is True

    def test_shared_words_are_not_incorrect(self):
        choices = ["Dog", "Dog barking", "Cat"]
        assert string_match("Dog barking", "a dog barking", choices) is True
        assert string_match("Dog barking", "dog", choices) is False  # "barking" missing
        assert string_match("Dog", "dog barking", choices) is False  # "barking" incorrect

    def test_duplicates_of_the_answer_contribute_nothing(self):
        choices = ["nine", "four", "nine", "two"]
        assert string_match("nine", "nine", choices) is True
        assert string_match("four", "nine", choices) is False

    def test_answer_outside_choices(self):
        # The official script still scores: tokens of every choice are "incorrect".
        assert string_match("Parrot", "parrot", PEOPLE) is True
        assert string_match("Parrot", "parrot man", PEOPLE) is False


class TestMMAUOfficial:
    def test_verdicts(self):
        assert mmau_official("The answer is Man.", PEOPLE, "Man") == Verdict(True, True, True, 0)
        assert mmau_official("Woman", PEOPLE, "Man") == Verdict(False, True, True, 1)

    def test_choice_none_when_no_option_matches(self):
        assert mmau_official("Man or Woman", PEOPLE, "Man") == Verdict(False, True, True, None)
        assert mmau_official("B", PEOPLE, "Man") == Verdict(False, True, True, None)

    def test_empty_is_unparsed_and_counted(self):
        assert mmau_official("", PEOPLE, "Man") == Verdict(False, False, True, None)

    def test_non_string_is_unparsed(self):
        assert mmau_official(None, PEOPLE, "Man") == Verdict(False, False, True, None)

    def test_reordered_option_reads_as_the_first_with_that_token_set(self):
        choices = ["From far to near", "From near to far", "Static"]
        assert mmau_official("from near to far", choices, "From near to far").choice == 0


class TestR1AQAOfficial:
    def test_first_tag(self):
        assert r1aqa_official("<answer>Man</answer><answer>Woman</answer>", PEOPLE, "Man").correct

    def test_multiline_tag_falls_back_to_whole_output(self):
        # The whole output holds the tokens "answer" and "man": still right for "Man" ...
        assert r1aqa_official("<answer>\nMan\n</answer>", PEOPLE, "Man").correct
        # ... but wrong once another option's word appears anywhere in it.
        out = "<think>Not a woman.</think><answer>\nMan\n</answer>"
        assert not r1aqa_official(out, PEOPLE, "Man").correct

    def test_think_is_not_removed(self):
        out = "<think>woman?</think><answer>Man</answer>"
        assert r1aqa_official(out, PEOPLE, "Man").correct  # only the tag is scored

    def test_no_tag_uses_whole_output(self):
        assert r1aqa_official("  Man  ", PEOPLE, "Man").correct


class TestMMSUOfficial:
    @pytest.mark.parametrize(
        ("response", "expected"),
        [
            ("B", Verdict(True, True, True, 1)),
            ("B. Falling", Verdict(True, True, True, 1)),
            ("Answer: (B)", Verdict(False, True, True, 0)),  # read as A
            # The model says C, the rule reads B ("Based"), and B happens to be right.
            ("Based on the contour, C", Verdict(True, True, True, 1)),
            ("", Verdict(False, False, True, None)),  # counted wrong
            ("None", Verdict(False, False, True, None)),  # counted wrong
            ("I cannot tell", Verdict(False, False, False, None)),  # dropped
            (None, Verdict(False, False, False, None)),  # dropped
        ],
    )
    def test_official_reading(self, response, expected):
        assert mmsu_official(response, MMSU, "Falling") == expected

    def test_exact_text_comparison(self):
        assert not mmsu_official("B", MMSU, "falling").correct  # case differs: wrong

    def test_letter_without_a_choice(self):
        assert mmsu_official("D", ["x", "y", "z"], "z") == Verdict(False, True, True, None)
        assert mmsu_official("C", ["x", "y", None], "z") == Verdict(False, True, True, None)


class TestStrict:
    @pytest.mark.parametrize("n", range(2, 9))
    def test_every_letter_for_two_to_eight_choices(self, n):
        choices = [f"Option number {i}" for i in range(n)]
        for i in range(n):
            letter = "ABCDEFGH"[i]
            assert strict(letter, choices, choices[i]) == Verdict(True, True, True, i)
            assert strict(f"({letter.lower()})", choices, choices[i]).correct
        assert strict("ABCDEFGHI"[n], choices, choices[0]) == Verdict(False, False, True, None)

    def test_duplicates_same_option(self):
        choices = ["nine", "four", "nine", "two"]
        assert strict("C", choices, "nine") == Verdict(True, True, True, 0)
        assert strict("Nine.", choices, "nine").correct

    def test_substring_options(self):
        choices = ["Dog", "Dog barking", "Cat"]
        assert strict("dog barking", choices, "Dog barking").correct
        assert strict("dog", choices, "Dog barking") == Verdict(False, True, True, 0)
        assert not strict("a dog, and then a dog barking", choices, "Dog").parsed

    def test_word_order(self):
        choices = ["From far to near", "From near to far"]
        assert not strict("from near to far", choices, "From far to near").correct
        assert strict("from far to near", choices, "From far to near").correct

    def test_unparsed_is_counted_wrong(self):
        assert strict("no idea", PEOPLE, "Man") == Verdict(False, False, True, None)
        assert strict(None, PEOPLE, "Man") == Verdict(False, False, True, None)

    def test_never_defaults_to_a(self):
        for junk in ["", "?", "<answer></answer>", "A or B", "Man or Woman"]:
            assert strict(junk, PEOPLE, "Man").choice is None


ANY_OUTPUT = st.one_of(
    st.text(max_size=120),
    st.builds(
        lambda pre, letter, mid, text, post: f"{pre}{letter}{mid}{text}{post}",
        st.sampled_from(["", "Answer: ", "<answer>", "The answer is ", "<think>x</think>", "("]),
        st.sampled_from(list("ABCDEFGHabcd") + [""]),
        st.sampled_from(["", ")", ". ", " ", ": "]),
        st.sampled_from(["", "dog", "Dog barking", "cat", "not a dog", "from far to near"]),
        st.sampled_from(["", "</answer>", ".", " or cat", "\n"]),
    ),
)
CHOICE_LISTS = st.lists(
    st.one_of(
        st.sampled_from(["Dog", "Dog barking", "Cat", "dog", "From far to near", "A", "B"]),
        st.text(min_size=1, max_size=12),
    ),
    min_size=2,
    max_size=8,
)


@given(ANY_OUTPUT, CHOICE_LISTS, st.data())
def test_no_matcher_raises_on_any_string(output, choices, data):
    answer = data.draw(st.sampled_from(choices))
    for name in ("mmau-official", "mmsu-official", "r1aqa-official", "strict"):
        verdict = plugins.get("scorers", name)(output, choices, answer)
        assert isinstance(verdict, Verdict)
        assert verdict.choice is None or 0 <= verdict.choice < len(choices)
        assert not (verdict.correct and not verdict.counted)


@given(ANY_OUTPUT, CHOICE_LISTS, st.data())
def test_strict_maps_to_at_most_one_option(output, choices, data):
    answer = data.draw(st.sampled_from(choices))
    first = strict(output, choices, answer)
    assert strict(output, list(choices), answer) == first  # deterministic
    if first.parsed:
        chosen = choices[first.choice]
        assert chosen in choices
        # The chosen option is the canonical (lowest) index of its normalised text, so an
        # output can never be read as two different options.
        assert first.choice == min(i for i, c in enumerate(choices) if key(c) == key(chosen))
        assert first.correct == (key(chosen) == key(answer))
        # Whatever the answer, the same output picks the same option.
        for other in choices:
            assert strict(output, choices, other).choice == first.choice
    else:
        assert not first.correct and first.choice is None


def literal_string_match(answer: str, prediction: str, choices: list[str]) -> bool:
    """benchmarks.md's description of the official rule, transcribed step by step."""

    def tokens(text: str) -> set[str]:
        return set(re.findall(r"\b\w+\b", text.lower()))

    prediction_tokens, answer_tokens = tokens(prediction), tokens(answer)
    if not prediction_tokens:
        return False
    incorrect: set[str] = set()
    for choice in choices:
        if tokens(choice) != answer_tokens:
            incorrect |= tokens(choice) - answer_tokens
    return answer_tokens <= prediction_tokens and not prediction_tokens & incorrect


WORDY = st.lists(st.sampled_from(["dog", "cat", "far", "near", "a", "B", "to", "x1"]), max_size=4)


@given(WORDY, st.lists(WORDY, min_size=2, max_size=6), st.data())
def test_string_match_equals_the_literal_rule(prediction_words, choice_words, data):
    choices = [" ".join(w) for w in choice_words]
    answer = data.draw(st.one_of(st.sampled_from(choices), WORDY.map(" ".join)))
    prediction = " ".join(prediction_words)
    expected = literal_string_match(answer, prediction, choices)
    assert string_match(answer, prediction, choices) is expected
    verdict = mmau_official(prediction, choices, answer)
    assert verdict.correct is expected
    # ``choice`` is the first option the literal rule accepts the output as.
    accepted = [i for i, c in enumerate(choices) if literal_string_match(c, prediction, choices)]
    assert verdict.choice == (accepted[0] if accepted else None)
