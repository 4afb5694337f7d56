"""Rewards (TRL's reward contract) and contribution weights: one class per reward."""

from __future__ import annotations

import pytest

from audiomcq_plugins import plugins
from audiomcq_plugins.rewards import (
    DEFAULT_CONTRIBUTION_WEIGHTS,
    accuracy_reward,
    completion_text,
    contribution_weights,
    format_reward,
    option_accuracy_reward,
    parse_contribution_weights,
    strict_format_reward,
    think_format_reward,
)

CHOICES = ["Dog bark", "Car horn", "Rain", "Siren"]
# What GRPOTrainer adds beside the dataset columns.
TRAINER_KWARGS = {"trainer_state": object(), "log_extra": print, "log_metric": print}


def chat(text: str) -> list[dict[str, str]]:
    return [{"role": "assistant", "content": text}]


class TestAccuracyReward:
    def test_empty_input(self):
        assert accuracy_reward([], [], solution=[]) == []

    def test_tagged_untagged_and_wrong(self):
        completions = ["<answer>Rain</answer>", "Rain", "<answer>Siren</answer>", "It is Rain."]
        assert accuracy_reward(None, completions, solution=["Rain"] * 4) == [1.0, 1.0, 0.0, 0.0]

    def test_case_insensitive_and_stripped(self):
        completions = ["<answer>  rAIN </answer>", "  RAIN\n"]
        assert accuracy_reward(None, completions, solution=["Rain", " rain "]) == [1.0, 1.0]

    def test_tags_in_any_case_as_in_the_paper(self):
        completions = ["<ANSWER>Rain</ANSWER>", "<Answer>\nrain\n</answer>"]
        assert accuracy_reward(None, completions, solution=["Rain"] * 2) == [1.0, 1.0]

    def test_multiline_tag(self):
        completions = ["<answer>\nCar horn\n</answer>", "<answer>Car\nhorn</answer>"]
        assert accuracy_reward(None, completions, solution=["Car horn"] * 2) == [1.0, 0.0]

    def test_first_tag_wins_and_unclosed_tag_is_whole_text(self):
        completions = ["<answer>Rain</answer><answer>Siren</answer>", "<answer>Rain"]
        assert accuracy_reward(None, completions, solution=["Rain"] * 2) == [1.0, 0.0]

    def test_tagged_solution(self):
        assert accuracy_reward(None, ["Rain"], solution=["<answer>Rain</answer>"]) == [1.0]

    def test_conversational_completions(self):
        blocks = [{"role": "assistant", "content": [{"type": "text", "text": "<answer>Rain"}]}]
        blocks[0]["content"].append({"type": "text", "text": "</answer>"})
        completions = [chat("<answer>Rain</answer>"), chat("Siren"), blocks]
        assert accuracy_reward(None, completions, solution=["Rain"] * 3) == [1.0, 0.0, 1.0]

    def test_extra_kwargs_ignored(self):
        out = accuracy_reward(
            ["p"], ["Rain"], [[1, 2]], solution=["Rain"], choices=[CHOICES], **TRAINER_KWARGS
        )
        assert out == [1.0]

    def test_missing_solution_is_skipped_not_guessed(self):
        assert accuracy_reward(None, ["Rain", "Rain"], solution=["", None]) == [None, None]

    def test_bad_arguments(self):
        with pytest.raises(TypeError, match="'solution'"):
            accuracy_reward(None, ["Rain"])
        with pytest.raises(ValueError, match="2 values for 1 completions"):
            accuracy_reward(None, ["Rain"], solution=["Rain", "Siren"])
        with pytest.raises(TypeError, match="completion 0"):
            accuracy_reward(None, [42], solution=["Rain"])
        with pytest.raises(TypeError, match="completions must be a list"):
            accuracy_reward(None, "Rain", solution=["Rain"])


class TestOptionAccuracyReward:
    def test_registered_strict_scorer_is_used(self, fresh_plugins):
        """The reward asks the registry for ``strict``: replacing the registered scorer (the
        built-in scoring plugin unregistered, another plugin registering ``strict``) changes
        the rewards."""
        from audiomcq_plugins import hookimpl
        from audiomcq_plugins.scoring import Verdict

        completions = ["<answer>Rain</answer>", "<answer>Car horn</answer>"]
        kwargs = {"solution": ["Car horn"] * 2, "choices": [CHOICES] * 2}
        assert option_accuracy_reward(None, completions, **kwargs) == [0.0, 1.0]

        calls = []

        def inverted(prediction, choices, answer):
            calls.append((prediction, list(choices), answer))
            return Verdict(correct=answer not in prediction, parsed=True, choice=None)

        class InvertedStrict:
            @hookimpl
            def register_scorers(self, register):
                register("strict", inverted)

        plugins.unregister_plugin("audiomcq_plugins.scoring")
        plugins.register_plugin(InvertedStrict(), name="inverted-strict")
        assert option_accuracy_reward(None, completions, **kwargs) == [1.0, 0.0]
        assert calls == [(text, CHOICES, "Car horn") for text in completions]

    def test_empty_input(self):
        assert option_accuracy_reward([], [], solution=[], choices=[]) == []

    def test_letters_text_and_tags(self):
        completions = ["B", "<answer>Car horn</answer>", "car horn", "<answer>Rain</answer>"]
        out = option_accuracy_reward(
            None, completions, solution=["Car horn"] * 4, choices=[CHOICES] * 4
        )
        assert out == [1.0, 1.0, 1.0, 0.0]

    def test_unparseable_is_wrong(self):
        out = option_accuracy_reward(None, ["no idea"], solution=["Rain"], choices=[CHOICES])
        assert out == [0.0]

    def test_multiline_tag_and_conversational(self):
        completions = [chat("<answer>\nRain\n</answer>"), chat("<answer>Siren</answer>")]
        out = option_accuracy_reward(
            None, completions, solution=["Rain"] * 2, choices=[CHOICES] * 2
        )
        assert out == [1.0, 0.0]

    def test_extra_kwargs_ignored(self):
        out = option_accuracy_reward(
            None,
            ["Rain"],
            solution=["Rain"],
            choices=[CHOICES],
            audio_contribution=["strong"],
            **TRAINER_KWARGS,
        )
        assert out == [1.0]

    def test_missing_solution_is_skipped(self):
        assert option_accuracy_reward(None, ["A"], solution=[""], choices=[CHOICES]) == [None]

    def test_bad_arguments(self):
        with pytest.raises(TypeError, match="'choices'"):
            option_accuracy_reward(None, ["A"], solution=["Rain"])
        with pytest.raises(ValueError, match="at least 2 option"):
            option_accuracy_reward(None, ["A"], solution=["Rain"], choices=[["Rain"]])
        with pytest.raises(ValueError, match="'choices' has 2 values"):
            option_accuracy_reward(None, ["A"], solution=["Rain"], choices=[CHOICES, CHOICES])


class TestFormatReward:
    def test_empty_input(self):
        assert format_reward([], []) == []

    def test_exactly_one_answer(self):
        completions = [
            "<answer>Rain</answer>",
            "  <answer>Rain</answer>\n",
            "Rain",
            "The answer: <answer>Rain</answer>",
            "<answer>Rain</answer><answer>Siren</answer>",
            "<answer>Rain",
            "<think>x</think><answer>Rain</answer>",
        ]
        assert format_reward(None, completions) == [1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0]

    def test_multiline_tag(self):
        assert format_reward(None, ["<answer>\nCar\nhorn\n</answer>"]) == [1.0]

    def test_case_of_tags_matters(self):
        assert format_reward(None, ["<ANSWER>Rain</ANSWER>"]) == [0.0]

    def test_any_body_passes_as_in_the_paper(self):
        completions = ["<answer><think>x</think>Rain</answer>", "<answer><ANSWER>Rain</answer>"]
        assert format_reward(None, completions) == [1.0, 1.0]

    def test_conversational_and_extra_kwargs(self):
        out = format_reward(None, [chat("<answer>Rain</answer>")], solution=["x"], **TRAINER_KWARGS)
        assert out == [1.0]

    def test_bad_arguments(self):
        with pytest.raises(TypeError, match="completion 1"):
            format_reward(None, ["<answer>a</answer>", {"content": 1}])


class TestStrictFormatReward:
    def test_empty_input(self):
        assert strict_format_reward([], []) == []

    def test_no_tag_inside_the_answer(self):
        completions = [
            "<answer>Rain</answer>",
            " <answer>\nRain\n</answer>\n",
            "<answer><think>x</think>Rain</answer>",
            "<answer>Rain</think></answer>",
            "<answer>Rain</answer><answer>x</answer>",
            "<think>x</think><answer>Rain</answer>",
        ]
        assert strict_format_reward(None, completions) == [1.0, 1.0, 0.0, 0.0, 0.0, 0.0]

    def test_conversational_and_extra_kwargs(self):
        out = strict_format_reward(
            None, [chat("<answer>b</answer>")], solution=["b"], **TRAINER_KWARGS
        )
        assert out == [1.0]


class TestThinkFormatReward:
    def test_empty_input(self):
        assert think_format_reward([], []) == []

    def test_think_then_answer(self):
        completions = [
            "<think>It rises.</think><answer>Rain</answer>",
            "<think>\nline one\nline two\n</think>\n\n<answer>\nRain\n</answer>\n",
            "<answer>Rain</answer>",
            "<think>x</think>",
            "<answer>Rain</answer><think>x</think>",
            "<think>x</think><think>y</think><answer>Rain</answer>",
            "<think>x</think>text<answer>Rain</answer>",
        ]
        assert think_format_reward(None, completions) == [1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0]

    def test_conversational_and_extra_kwargs(self):
        out = think_format_reward(
            None, [chat("<think>a</think><answer>b</answer>")], solution=["b"], **TRAINER_KWARGS
        )
        assert out == [1.0]

    def test_bad_arguments(self):
        with pytest.raises(TypeError, match="completions must be a list"):
            think_format_reward(None, None)


class TestContributionWeights:
    def test_empty_input(self):
        assert contribution_weights([]) == []

    def test_defaults(self):
        assert DEFAULT_CONTRIBUTION_WEIGHTS == {"strong": 1.0, "weak": 0.3}
        assert contribution_weights(["strong", "weak", None]) == [1.0, 0.3, 1.0]

    def test_case_insensitive_labels_and_default(self):
        assert contribution_weights([" Weak", "STRONG", None], default=0.5) == [0.3, 1.0, 0.5]

    def test_override_by_mapping_or_string(self):
        assert contribution_weights(["weak", "strong"], {"weak": 0.0}) == [0.0, 1.0]
        assert contribution_weights(["weak", "strong"], "strong=2, weak=0.5") == [0.5, 2.0]

    def test_bad_arguments(self):
        with pytest.raises(ValueError, match=r"item 1: audio_contribution = 'medium'"):
            contribution_weights(["weak", "medium"])
        with pytest.raises(ValueError, match="unknown key 'Strong'"):
            contribution_weights(["weak"], {"Strong": 1.0})
        with pytest.raises(ValueError, match="finite numbers >= 0"):
            contribution_weights(["weak"], {"weak": -1})
        with pytest.raises(ValueError, match="finite numbers >= 0"):
            contribution_weights(["weak"], {"weak": "heavy"})
        with pytest.raises(ValueError, match="finite numbers >= 0"):
            parse_contribution_weights({"weak": float("nan")})
        with pytest.raises(ValueError, match="strong=1.0,weak=0.3"):
            contribution_weights(["weak"], "strong:1")
        with pytest.raises(TypeError, match="mapping"):
            contribution_weights(["weak"], [("weak", 1.0)])
        with pytest.raises(ValueError, match="default"):
            contribution_weights(["weak"], default=-0.1)
        with pytest.raises(TypeError, match="list of labels"):
            contribution_weights("weak")


def test_builtin_rewards_are_registered_through_the_hook():
    names = plugins.registry("rewards").names()
    assert {"accuracy", "option_accuracy", "format", "strict_format", "think_format"} <= set(names)
    assert plugins.get("rewards", "accuracy") is accuracy_reward


def test_completion_text_takes_last_message():
    assert completion_text([{"role": "tool", "content": "x"}, chat("y")[0]]) == "y"
