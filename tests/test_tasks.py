"""The task list derived from the registry (audiomcq_plugins.tasks), harness-free."""

from __future__ import annotations

import pytest

from audiomcq_plugins import plugins
from audiomcq_plugins.benchmarks import DEFAULT_GENERATION, BenchmarkSpec, get_spec
from audiomcq_plugins.tasks import VARIANTS, Variant, get_task, groups, task_defs
from tests.bench_helpers import CONTRACT_TASKS


def test_contract_task_names_and_variants():
    names = {t.name for t in task_defs()}
    for name in CONTRACT_TASKS:
        assert {name, f"{name}_silent"} <= names
        has_loglik = f"{name}_loglik" in names
        assert has_loglik == (not get_spec(name).answers_withheld), name
    assert "mmau_test_loglik" not in names


def test_groups_are_the_contract():
    assert groups() == {  # fmt: skip
        "audio_mcq": ["mmau_test_mini", "mmar", "mmsu"],
        "audio_mcq_silent": ["mmau_test_mini_silent", "mmar_silent", "mmsu_silent"],
        "audio_mcq_acstrong": ["mmau_test_mini_acstrong", "mmar_acstrong", "mmsu_acstrong"],
        "audio_mcq_acweak": ["mmau_test_mini_acweak", "mmar_acweak", "mmsu_acweak"],
        # the suite audio-LLM papers report: audio_mcq, AIR-Bench Foundation and MMAU-Pro
        "audio_mcq_suite": ["mmau_test_mini", "mmar", "mmsu", "air_bench_foundation", "mmau_pro"],
        "audio_mcq_suite_silent": [
            "mmau_test_mini_silent",
            "mmar_silent",
            "mmsu_silent",
            "air_bench_foundation_silent",
            "mmau_pro_silent",
        ],
        "audio_mcq_suite_acstrong": [
            "mmau_test_mini_acstrong",
            "mmar_acstrong",
            "mmsu_acstrong",
            "air_bench_foundation_acstrong",
            "mmau_pro_acstrong",
        ],
        "audio_mcq_suite_acweak": [
            "mmau_test_mini_acweak",
            "mmar_acweak",
            "mmsu_acweak",
            "air_bench_foundation_acweak",
            "mmau_pro_acweak",
        ],
    }


def test_task_carries_what_its_spec_says():
    spec = get_spec("mmau_test_mini")
    task = get_task("mmau_test_mini_silent")
    assert (task.benchmark, task.variant.audio, task.variant.output) == (
        "mmau_test_mini",
        "silence",
        "generate",
    )
    assert task.breakdowns == dict(spec.breakdown_values)
    assert set(task.breakdowns) <= set(spec.breakdowns)
    assert (task.prompt_format, task.official_scorer) == ("mmau", "mmau-official")
    assert task.generation == dict(DEFAULT_GENERATION)
    assert get_task("mmau_test").answers is False
    assert get_task("mmar_loglik").variant.output == "loglik"


def test_every_variant_is_named_and_valid():
    suffixes = [v.suffix for v in VARIANTS]
    assert suffixes[0] == "" and len(set(suffixes)) == len(suffixes)
    with pytest.raises(ValueError, match="audio must be one of"):
        Variant("reversed", audio="reversed")


def test_unknown_task_lists_known():
    with pytest.raises(plugins.UnknownNameError, match="known: .*mmsu_silent"):
        get_task("mmsu_quiet")


def test_plugin_benchmark_of_its_own_family_gets_tasks(sample_plugin_site):
    task = get_task("sample_birdsong")
    assert get_spec("sample_birdsong").family == "birdsong"
    assert task.breakdowns == {"habitat": ("forest", "wetland")}
    assert task.generation["max_gen_toks"] == 8 and task.generation["do_sample"] is False
    assert {"sample_birdsong_silent", "sample_birdsong_loglik"} <= {t.name for t in task_defs()}
    builtin = {t.name for t in task_defs(builtin_only=True)}
    assert "sample_birdsong" not in builtin and "mmsu" in builtin


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"breakdown_values": {"habitat": ("forest",)}}, "not among breakdowns"),
        ({"score_format": "birds"}, "score_format 'birds' is not a prediction format"),
    ],
)
def test_spec_errors_name_the_field(overrides, message):
    with pytest.raises(ValueError, match=message):
        BenchmarkSpec(
            name="x",
            family="anything",
            split="test",
            description="",
            reader=lambda *a: [],
            metadata=("x.json",),
            layout="x.json",
            **overrides,
        )


def test_a_plugin_breakdown_without_values_is_warned_once(fresh_plugins, monkeypatch):
    from audiomcq_plugins import hookimpl, tasks

    monkeypatch.setattr(tasks, "_WARNED", set())
    spec = BenchmarkSpec(
        name="plugin_bench", family="anything", split="test", description="",
        reader=lambda *a: [], metadata=("x.json",), layout="x.json",
        breakdowns=("habitat", "site"), breakdown_values={"habitat": ("forest",)},
    )  # fmt: skip

    class Plugin:
        @hookimpl
        def register_benchmarks(self, register):
            register(spec.name, spec)

    plugins.register_plugin(Plugin(), name="breakdown-plugin")
    with pytest.warns(UserWarning, match=r"'plugin_bench': breakdown field\(s\) site have no"):
        names = {t.name for t in task_defs()}
    assert "plugin_bench" in names
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # once per benchmark, and never for the built-ins
        task_defs()
        task_defs(builtin_only=True)


def test_no_harness_tag_is_a_task_name():
    """A tag named like a task shadows it in lm-eval's index (``--tasks audiomcq`` would run
    every task of the tag) and in lmms-eval's."""
    from audiomcq_plugins.integrations.lm_eval.task_yaml import TAGS
    from audiomcq_plugins.integrations.lmms_eval.task_yaml import TAG

    names = {t.name for t in task_defs()} | set(groups())
    assert not ({*TAGS.values(), TAG} & names)
