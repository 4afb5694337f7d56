"""Option-order tasks in lm-eval (``<task>_circular``, ``<task>_perm``): documents per order,
per-item aggregation through the YAML's functions, and a first-position model end to end."""

from __future__ import annotations

import math

import pytest

pytest.importorskip("lm_eval")
pytest.importorskip("datasets")

from audiomcq_plugins.benchmarks.fixtures import write_fixture  # noqa: E402
from audiomcq_plugins.integrations.lm_eval import register, task_manager  # noqa: E402
from audiomcq_plugins.tasks import task_defs  # noqa: E402

N = 6


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    write_fixture("mmau_test_mini", root / "mmau_test_mini", n=N, max_seconds=0.5)
    write_fixture("mmsu", root / "mmsu", n=N, max_seconds=0.5, quirks=True)
    return root


def _task(name, data_dir, **metadata):
    from lm_eval.tasks import get_task_dict

    manager = task_manager(include_defaults=False, metadata={"data_dir": str(data_dir), **metadata})
    return get_task_dict([name], manager)[name]


def _score(task, answer):
    """lm-eval's own per-document scoring and the YAML's aggregations, for a scripted model
    whose output for a document is ``answer(doc)``."""
    per_metric: dict[str, list] = {}
    for doc in task.test_docs():
        for metric, value in task.process_results(doc, [answer(doc)]).items():
            per_metric.setdefault(metric, []).append(value)
    return {m: task.aggregation()[m](values) for m, values in per_metric.items()}


def test_every_benchmark_with_answers_gets_both_variants():
    names = {t.name for t in task_defs()}
    for t in task_defs():
        if t.variant.suffix == "" and t.answers:
            assert {f"{t.name}_circular", f"{t.name}_perm"} <= names
    assert "mmau_test_circular" not in names  # answers withheld: nothing to score


def test_circular_documents_are_the_rotations(data_dir):
    task = _task("mmau_test_mini_circular", data_dir)
    docs = list(task.test_docs())
    assert len(docs) == sum(len(d["choices"]) for d in docs if d["order_index"] == 0)
    by_item: dict[str, list] = {}
    for doc in docs:
        by_item.setdefault(doc["id"], []).append(doc)
        assert doc["choices"][doc["answer_index"]] == doc["answer"]
        assert repr(doc["choices"]) in doc["prompt"]
    assert len(by_item) == N
    for item_docs in by_item.values():
        n = len(item_docs[0]["choices"])
        assert [d["order"] for d in item_docs] == [
            [(i + r) % n for i in range(n)] for r in range(n)
        ]


def test_first_position_model_scores_chance_with_full_position_a_bias(data_dir):
    task = _task("mmau_test_mini_circular", data_dir)
    res = _score(task, lambda doc: doc["choices"][0])
    assert res["acc_circular"] == 0.0 and res["acc_circular_official"] == 0.0
    assert res["acc_mean"] == pytest.approx(0.25)  # every fixture item has 4 options
    assert res["choice_changed"] == 1.0 and res["unparsed"] == 0.0
    assert res["chosen_pos_a"] == 1.0 and res["chosen_pos_b"] == 0.0
    assert res["acc_pos_a"] == 1.0 and res["acc_pos_d"] == 0.0 and math.isnan(res["acc_pos_e"])
    assert res["acc_circular_task_sound"] == 0.0 or math.isnan(res["acc_circular_task_sound"])


def test_an_oracle_is_right_under_every_order_and_never_changes_its_choice(data_dir):
    task = _task("mmau_test_mini_perm", data_dir, permutations=3)
    docs = list(task.test_docs())
    assert len(docs) == 3 * N
    res = _score(task, lambda doc: doc["answer"])
    assert res["acc_circular"] == res["acc_mean"] == res["acc"] == 1.0
    assert res["acc_std"] == 0.0 and res["choice_changed"] == 0.0


def test_mmsu_letters_map_back_and_official_drops_stay_out(data_dir):
    """MMSU's official scorer reads letters: a letter means a different option under each
    rotation, so answering the letter of the original answer is right only once per item."""
    task = _task("mmsu_circular", data_dir)
    letters = "ABCDEFGH"
    original = {d["id"]: d["answer_index"] for d in task.test_docs() if d["order_index"] == 0}
    res = _score(task, lambda doc: letters[original[doc["id"]]])
    assert res["acc_circular"] == 0.0 and res["choice_changed"] == 1.0
    assert 0.0 < res["acc_mean"] < 0.5


def test_bad_permutation_count_is_refused(data_dir):
    with pytest.raises(ValueError, match="metadata.permutations must be a whole number"):
        list(_task("mmau_test_mini_perm", data_dir, permutations=0).test_docs())


@pytest.mark.slow
def test_simple_evaluate_with_a_first_position_model(data_dir):
    """The real simple_evaluate with a scripted audio LM that always answers the first option
    (it reads the options from the MMAU prompt it is given)."""
    import ast

    from lm_eval import simple_evaluate
    from lm_eval.api.registry import register_model

    from audiomcq_plugins.integrations.lm_eval.models import AudioLMAdapter

    class FirstOption:
        def generate(self, reqs, **_):
            return [ast.literal_eval(r.text.rsplit("\n", 1)[1])[0] for r in reqs]

    @register_model("audiomcq-first-option")
    class FirstOptionLM(AudioLMAdapter):
        def __init__(self, **_):
            super().__init__()
            self.backend, self.system_prompt, self.max_new_tokens = FirstOption(), None, None
            self.model_id = "first-option"

    register()
    out = simple_evaluate(
        model="audiomcq-first-option",
        tasks=["mmau_test_mini_circular", "mmau_test_mini"],
        task_manager=task_manager(include_defaults=False, metadata={"data_dir": str(data_dir)}),
        log_samples=True,
    )
    res = out["results"]["mmau_test_mini_circular"]
    assert res["acc_circular,none"] == 0.0 and res["acc_mean,none"] == pytest.approx(0.25)
    assert res["chosen_pos_a,none"] == 1.0 and res["acc_pos_a,none"] == 1.0
    assert out["results"]["mmau_test_mini"]["sample_len"] == N
    assert len(out["samples"]["mmau_test_mini_circular"]) == 4 * N
