"""Which harness runs which task variant and which backend, and the test that shows it: the
source of the table in docs/matrix.md (``tests/test_support_matrix.py`` checks that every
variant of :data:`audiomcq_plugins.tasks.VARIANTS` has a row, that every named test exists,
and that the docs hold this table)."""

from __future__ import annotations

HARNESSES = ("lm-eval", "lighteval", "lmms-eval")

E2E = "tests/test_lm_eval_e2e.py"
LV = "tests/test_lighteval.py"
LMMS = "tests/lmms/test_lmms_eval.py"
API = "tests/test_api_model.py"
THREE = f"{LMMS}::test_three_harnesses_same_predictions_and_every_metric"
#: The three-harness test runs each of these variants in all three harnesses.
_ALL_THREE = dict.fromkeys(HARNESSES, THREE)

#: variant suffix ("" = plain) -> harness -> a test ("path::name") or "untested: why" /
#: "not offered: why"
VARIANTS: dict[str, dict[str, str]] = {
    "": {
        "lm-eval": f"{E2E}::test_every_benchmark_with_the_omni_thinker",
        "lighteval": f"{LV}::test_pipeline_every_benchmark_then_from_the_sample_cache",
        "lmms-eval": THREE,
    },
    "silent": {
        "lm-eval": f"{E2E}::test_silent_variants_feed_silence_and_normal_ones_the_clip",
        "lighteval": f"{LV}::test_pipeline_every_benchmark_then_from_the_sample_cache",
        "lmms-eval": f"{LMMS}::test_the_lmms_eval_cli_runs_our_model_on_our_mmau",
    },
    "loglik": {
        "lm-eval": f"{E2E}::test_qwen2_audio_mixes_audio_likelihood_and_text_tasks",
        "lighteval": f"{LV}::test_pipeline_every_benchmark_then_from_the_sample_cache",
        "lmms-eval": "not offered: lmms-eval's audio models have no log-likelihood",
    },
    "text": _ALL_THREE,
    "acstrong": {
        **_ALL_THREE,
        "lm-eval": "tests/test_contribution_e2e.py::"
        "test_acstrong_holds_exactly_the_strong_items_and_the_report_matches",
    },
    "acweak": _ALL_THREE,
    "circular": {
        **_ALL_THREE,
        "lm-eval": "tests/test_lm_eval_circular.py::"
        "test_simple_evaluate_with_a_first_position_model",
    },
    "perm": _ALL_THREE,
}

_NO_GPU = "untested: vLLM needs a GPU, and none is here"
#: model -> harness -> a test or "untested: why"
MODELS: dict[str, dict[str, str]] = {
    "audiomcq-hf": {
        "lm-eval": f"{E2E}::test_every_benchmark_with_the_omni_thinker",
        "lighteval": f"{LV}::test_pipeline_every_benchmark_then_from_the_sample_cache",
        "lmms-eval": THREE,
    },
    "audiomcq-api": {
        "lm-eval": f"{API}::test_cli_eval_gives_the_hf_predictions_and_leaks_no_key",
        "lighteval": f"{API}::test_lighteval_through_the_api_gives_the_hf_answers",
        "lmms-eval": f"{LMMS}::test_audiomcq_api_gives_the_hf_answers",
    },
    "audiomcq-vllm": dict.fromkeys(HARNESSES, _NO_GPU),
    "lmms-eval's qwen2_audio": {
        "lm-eval": "not offered: an lmms-eval model",
        "lighteval": "not offered: an lmms-eval model",
        "lmms-eval": f"{LMMS}::test_lmms_evals_own_qwen2_audio_cli_prints_our_numbers "
        "(the lmms-eval command line, --batch_size 1, on the CPU)",
    },
    "lmms-eval's qwen2_5_omni": {
        "lm-eval": "not offered: an lmms-eval model",
        "lighteval": "not offered: an lmms-eval model",
        "lmms-eval": "untested: lmms-eval 0.7.3's qwen2_5_omni answers nothing with transformers 5 "
        "(test_lmms_evals_own_qwen2_5_omni_cli_prints_our_numbers reports xfailed until a "
        "release fixes it)",
    },
}


def _cell(text: str) -> str:
    if text.startswith(("untested", "not offered")):
        return text
    test, _, note = text.partition(" ")
    return f"`{test}`" + (f" {note}" if note else "")


def _table(first: str, rows: dict[str, dict[str, str]], name=lambda r: r) -> str:
    out = [f"| {first} | " + " | ".join(HARNESSES) + " |", "| --- " * (len(HARNESSES) + 1) + "|"]
    for row, cells in rows.items():
        out.append(f"| {name(row)} | " + " | ".join(_cell(cells[h]) for h in HARNESSES) + " |")
    return "\n".join(out) + "\n"


def render() -> str:
    """The two tables of docs/matrix.md (between its ``matrix:begin`` / ``matrix:end``)."""
    variants = _table("variant", VARIANTS, lambda s: f"`<task>_{s}`" if s else "`<task>`")
    return variants + "\n" + _table("model", MODELS, lambda m: f"`{m}`")
