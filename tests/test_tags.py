"""The tag rules: each equals its reference, written here independently of the package.

The AudioMCQ paper's GRPO rewards (its ms-swift plugin) are restated below from their
description: the answer is ``re.search(r"<answer>(.*?)</answer>", text, DOTALL | IGNORECASE)``
or the whole text, stripped, compared with ``lower()``; the format holds when the stripped text
starts with ``<answer>``, ends with ``</answer>`` and has exactly one of each.
"""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from audiomcq_plugins import plugins
from audiomcq_plugins.rewards import accuracy_reward, format_reward, strict_format_reward
from audiomcq_plugins.scoring import tags

# Pieces that make the cases the rules disagree on likely: tags in every case, think blocks,
# half tags, white space, and letters whose case folding differs from lower().
PIECES = [
    "<answer>", "</answer>", "<ANSWER>", "</ANSWER>", "<Answer>", "</Answer>", "<think>",
    "</think>", "<THINK>", "<", ">", "/", "answer", " ", "\n", "\t", "\u3000", "Rain", "rain",
    "RAIN", "Siren", "ß", "SS", "ss", "İ", "i̇", "ﬁ", "fi", "x",
]  # fmt: skip
texts = st.one_of(
    st.lists(st.sampled_from(PIECES), max_size=12).map("".join),
    st.text(max_size=40),
    st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=5)), max_size=8).map("".join),
)
SOLUTIONS = ["Rain", " rain ", "<answer>Rain</answer>", "<ANSWER>\nrain\n</ANSWER>", "ß", "SS"]
solutions = st.one_of(st.sampled_from(SOLUTIONS), texts)


def paper_answer(text: str) -> str:
    found = re.search(r"<answer>(.*?)</answer>", text, re.DOTALL | re.IGNORECASE)
    if found is None:
        return text.strip()
    return found.group(1).strip()


def paper_accuracy(completion: str, solution: str) -> float:
    return 1.0 if paper_answer(completion).lower() == paper_answer(solution).lower() else 0.0


def paper_format(completion: str) -> float:
    body = completion.strip()
    if not (body.startswith("<answer>") and body.endswith("</answer>")):
        return 0.0
    one_each = body.count("<answer>") == 1 and body.count("</answer>") == 1
    return 1.0 if one_each else 0.0


def r1aqa_reference(output: str) -> str:
    """R1-AQA's evaluation: the first tag whose body has no line break, case-sensitive."""
    start = output.find("<answer>")
    while start != -1:
        body = start + len("<answer>")
        closed = output.find("</answer>", body)
        if closed == -1:
            break
        if "\n" not in output[body:closed]:
            return output[body:closed]
        start = output.find("<answer>", start + 1)
    return output.strip()


class TestTags:
    @settings(max_examples=600)
    @given(texts, solutions)
    @example("<ANSWER>rain</ANSWER>", "Rain")
    @example("<Answer>\nRain\n</answer>", "Rain")
    @example("ß", "SS")
    def test_accuracy_reward_equals_the_papers(self, completion, solution):
        got = accuracy_reward(None, [completion], solution=[solution])
        expected = paper_accuracy(completion, solution) if paper_answer(solution) else None
        assert got == [expected]

    @settings(max_examples=600)
    @given(texts)
    @example("<answer><think>x</think>Rain</answer>")
    @example("<answer></answer>")
    @example(" <answer><ANSWER>Rain</answer>\n")
    @example("<answer>Rain</answer></answer>")
    def test_format_reward_equals_the_papers(self, completion):
        assert format_reward(None, [completion]) == [paper_format(completion)]
        assert tags.is_answer_only(completion) is bool(paper_format(completion))

    @given(texts)
    @example("<answer><think>x</think>Rain</answer>")
    def test_strict_format_is_the_papers_without_think_tags_in_the_body(self, completion):
        strict = strict_format_reward(None, [completion])[0]
        body = completion.strip()[len("<answer>") : -len("</answer>")]
        has_think = "<think>" in body or "</think>" in body
        assert strict == (paper_format(completion) if not has_think else 0.0)

    @settings(max_examples=600)
    @given(texts)
    @example("<answer>Dog\n</answer> <answer>Cat</answer>")
    @example("<ANSWER>Dog</ANSWER>")
    def test_r1aqa_answer_equals_the_reference(self, output):
        assert tags.r1aqa_answer(output) == r1aqa_reference(output)

    @given(texts)
    def test_tagged_answer_is_the_first_of_the_strict_tags_when_closed(self, text):
        found = re.search(r"<answer>(.*?)</answer>", text, re.DOTALL | re.IGNORECASE)
        if found is not None:
            assert tags.tagged_answer(text) == tags.answer_tags(text)[0].strip()
        else:
            assert tags.tagged_answer(text) == text.strip()

    def test_the_disagreements_the_paper_rule_fixed(self):
        assert tags.tagged_answer("<ANSWER>Rain</ANSWER>") == "Rain"
        assert tags.tagged_answer("<Answer>\n Rain \n</answer>") == "Rain"
        assert tags.is_answer_only("<answer><think>x</think>Rain</answer>")
        assert not tags.is_strict_answer_only("<answer><think>x</think>Rain</answer>")
        assert not tags.is_answer_only("<ANSWER>Rain</ANSWER>")  # the paper's format is lower-case

    def test_think_then_answer(self):
        assert tags.is_think_then_answer(" <think>a\nb</think>\n<answer>Rain</answer>\n")
        assert not tags.is_think_then_answer("<think>a</think>x<answer>Rain</answer>")

    def test_strict_format_is_registered_beside_the_papers(self):
        assert plugins.get("rewards", "format") is format_reward
        assert plugins.get("rewards", "strict_format") is strict_format_reward
