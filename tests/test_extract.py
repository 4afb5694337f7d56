"""Answer extraction: official conventions and the strict resolver."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from audiomcq_plugins.scoring.extract import (
    MMSU_DROP,
    MMSU_NONE,
    key,
    mmsu_letter,
    resolve,
    word_tokens,
)
from audiomcq_plugins.scoring.tags import answer_tags, r1aqa_answer, strip_think

SOUNDS = ("Dog", "Dog barking", "Cat", "From far to near")


class TestWordTokens:
    def test_lowercased_word_set(self):
        assert word_tokens("The answer is (A) Man.") == {"the", "answer", "is", "a", "man"}

    def test_unicode_words_and_empty(self):
        assert word_tokens("Ça va!") == {"ça", "va"}
        assert word_tokens(" ?! ") == frozenset()


class TestR1AQAAnswer:
    def test_first_tag_wins(self):
        assert r1aqa_answer("<answer>Dog</answer> <answer>Cat</answer>") == "Dog"

    def test_no_multiline_match_falls_back_to_whole_output(self):
        out = "  <answer>\nDog\n</answer>  "
        assert r1aqa_answer(out) == out.strip()

    def test_empty_tag_is_found(self):
        assert r1aqa_answer("<answer></answer> Dog") == ""

    def test_tag_is_case_sensitive(self):
        assert r1aqa_answer("<ANSWER>Dog</ANSWER>") == "<ANSWER>Dog</ANSWER>"


class TestStripThink:
    def test_block_removed(self):
        assert strip_think("<think>Cat? no</think> Dog").strip() == "Dog"

    def test_stray_close_keeps_what_follows(self):
        assert strip_think("reasoning about Cat</think>Dog") == "Dog"

    def test_unclosed_think_drops_the_rest(self):
        assert strip_think("Dog <think>maybe Cat").strip() == "Dog"

    def test_multiline_and_case(self):
        assert strip_think("<THINK>a\nb</Think>x") == " x"


class TestAnswerTags:
    def test_all_tags_multiline_case_insensitive(self):
        assert answer_tags("<answer> Dog </answer> and <Answer>\nCat\n</ANSWER>") == [
            " Dog ",
            "\nCat\n",
        ]

    def test_unclosed_tag_is_read_to_the_end(self):
        assert answer_tags("x <answer>Dog barking") == ["Dog barking"]

    def test_no_tag(self):
        assert answer_tags("Dog") == []


class TestMMSULetter:
    @pytest.mark.parametrize(
        ("response", "expected"),
        [
            ("B", "B"),
            (" \nC. Cat\n", "C"),
            ("Answer: (B)", "A"),  # first character wins: a known quirk
            ("Based on the audio", "B"),
            ("The answer is (D)", "D"),  # second-to-last character
            ("The answer is (D).", MMSU_DROP),  # ... which here is ")": dropped
            ("the answer is d", MMSU_DROP),  # lower case is no letter
            ("x", MMSU_DROP),
            ("", MMSU_NONE),
            ("  \n ", MMSU_NONE),
            ("None", MMSU_NONE),
            ("\nNone\n", MMSU_NONE),
            (None, MMSU_DROP),
            (3, MMSU_DROP),
            ("E", MMSU_DROP),
            ("x\nB\ny", "B"),  # newlines deleted after stripping: "xBy"
        ],
    )
    def test_official_reading(self, response, expected):
        assert mmsu_letter(response) == expected


class TestKey:
    def test_case_punctuation_and_spacing(self):
        assert key("  **From far, to near.** ") == "from far to near"

    def test_symbols_that_distinguish_options_are_kept(self):
        assert key("C#") != key("C")
        assert key("50%") != key("50")


class TestResolveLetters:
    @pytest.mark.parametrize(
        "output",
        [
            "B",
            "b",
            "(B)",
            "(b)",
            "B.",
            "B)",
            "[B]",
            "Answer: B",
            "answer: b",
            "The answer is B",
            "The correct answer is (B).",
            "**Answer:** B",
            "Option B",
            "Final answer - B",
            "The answer is B because it barks.",
            "I pick (b).",
            "Final Answer: $\\boxed{B}$",
        ],
    )
    def test_letter_forms(self, output):
        assert resolve(output, SOUNDS) == 1

    def test_letter_out_of_range_is_unparsed(self):
        assert resolve("E", SOUNDS) is None
        assert resolve("The answer is E.", SOUNDS) is None

    def test_lowercase_article_is_not_a_letter(self):
        assert resolve("the answer is a dog", ("Cat", "Dog")) == 1


class TestResolveText:
    @pytest.mark.parametrize(
        ("output", "expected"),
        [
            ("Dog", 0),
            ("dog.", 0),
            ("Dog barking", 1),
            ("It is a dog barking loudly", 1),  # "dog" inside "dog barking" is not separate
            ("I hear a cat.", 2),
            ("From far to near", 3),
            ("from near to far", None),  # word order matters in strict
            ("(B) Dog barking", 1),
            ("B. Dog barking", 1),
            ("(C) Dog", None),  # letter and text disagree
            ("A dog", 0),  # "A" + A's own text
            ("A dog barks", 0),
            ("A big sound", None),  # "A" may be a word: nothing else named
            ("It is not a cat.", None),  # negation before the only mention
            ("A dog or a cat", None),  # two options
            ("I don't know", None),
            ("", None),
            ("   ", None),
        ],
    )
    def test_text_forms(self, output, expected):
        assert resolve(output, SOUNDS) == expected

    def test_substring_option_alone_and_together(self):
        assert resolve("Dog, definitely", SOUNDS) == 0
        assert resolve("A dog, then a dog barking", SOUNDS) is None

    def test_reordered_options_distinguished(self):
        choices = ("From far to near", "From near to far")
        assert resolve("from near to far", choices) == 1
        assert resolve("The sound moves from far to near.", choices) == 0

    def test_duplicates_are_one_option(self):
        choices = ("nine", "four", "nine", "two")
        assert resolve("nine", choices) == 0
        assert resolve("C", choices) == 0  # letter C names the text "nine": canonical index 0

    def test_single_letter_options_collide_with_letters(self):
        notes = ("G", "A#", "D", "E")
        assert resolve("D", notes) is None  # text "D" (index 2) or letter D (index 3)?
        assert resolve("(D) E", notes) == 3  # letter and text agree
        assert resolve("A#", notes) == 1


class TestResolveTags:
    def test_tags_and_think(self):
        out = "<think>Could be a cat...</think><answer>\n  Dog barking \n</answer>"
        assert resolve(out, SOUNDS) == 1

    def test_text_outside_tags_is_ignored(self):
        assert resolve("Cat? <answer>B</answer>", SOUNDS) == 1

    def test_agreeing_tags(self):
        assert resolve("<answer>B</answer> so <answer>Dog barking</answer>", SOUNDS) == 1

    def test_disagreeing_tags_are_unparsed(self):
        assert resolve("<answer>A</answer><answer>B</answer>", SOUNDS) is None

    def test_echoed_empty_template_tag_is_skipped(self):
        assert resolve("Output in <answer> </answer>. <answer>Cat</answer>", SOUNDS) == 2

    def test_unclosed_tag(self):
        assert resolve("<answer>Cat", SOUNDS) == 2

    def test_only_empty_tags_are_unparsed(self):
        assert resolve("<answer> </answer>", SOUNDS) is None

    def test_non_string(self):
        assert resolve(None, SOUNDS) is None
        assert resolve(2, SOUNDS) is None


@given(st.text(max_size=200))
def test_no_exception_on_any_string(text):
    strip_think(text)
    answer_tags(text)
    r1aqa_answer(text)
    word_tokens(text)
    key(text)
    assert mmsu_letter(text) in (MMSU_DROP, MMSU_NONE, "A", "B", "C", "D")
    choice = resolve(text, SOUNDS)
    assert choice is None or 0 <= choice < len(SOUNDS)
