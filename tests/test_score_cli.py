"""``audiomcq score``: file formats, official counting rules, strict mode, reports, errors.

Synthetic items only; the real-metadata test at the end reads ../shared/data without copying it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from audiomcq_plugins import hookimpl, plugins
from audiomcq_plugins.benchmarks import get_spec
from audiomcq_plugins.cli import main
from audiomcq_plugins.scoring import Verdict, aggregate, format_table, score_file
from audiomcq_plugins.scoring.formats import InputError
from tests.bench_helpers import real_data_dir

PEOPLE = ["Man", "Woman", "Child", "Robot"]
TONES = {"choice_a": "Rising", "choice_b": "Falling", "choice_c": "Flat", "choice_d": "Dip"}

# --- synthetic prediction files ---------------------------------------------------------------

MMAU_ITEMS = [
    # official right, strict right
    dict(id="m1", choices=PEOPLE, answer="Man", model_output="The answer is Man.",
         task="speech", difficulty="easy", **{"sub-category": "Speaker"}, category="Reasoning"),
    # bare letter: official wrong, strict right; category given as a list
    dict(id="m2", choices=PEOPLE, answer="Woman", model_output="B",
         task="speech", difficulty="medium", **{"sub-category": "Speaker"}, category=["Reasoning"]),
    # re-ordered option: official right (order blindness), strict wrong
    dict(id="m3", choices=["From far to near", "From near to far", "Static"],
         answer="From far to near", model_output="from near to far", task="sound",
         difficulty="hard", **{"sub-category": "Spatial"}, category="Information Extraction"),
    # no prediction key: official skips it, strict counts it unparsed
    dict(id="m4", choices=["Dog", "Cat"], answer="Dog", task="sound", difficulty="easy",
         **{"sub-category": "Spatial"}),
    # the README's key; two options named: wrong in both, unparsed in strict
    dict(id="m5", choices=["Dog", "Cat"], answer="Dog", model_prediction="Cat or Dog",
         task="music", difficulty="medium"),
    # duplicate choices, tag with a letter: official wrong, strict right
    dict(id="m6", choices=["nine", "four", "nine", "two"], answer="nine",
         model_output="<answer>C</answer>", task="music", difficulty="hard",
         **{"sub-category": "Counting"}, category=["Reasoning"]),
    # empty output: unparsed, wrong, counted in both
    dict(id="m7", choices=PEOPLE, answer="Man", model_output="", task="speech",
         difficulty="easy", **{"sub-category": "Speaker"}),
]  # fmt: skip

MMAR_ITEMS = [
    # "(B)" adds the token "b", which only a distractor has: official wrong, strict right
    dict(id="a1", choices=["Lyndon B. Johnson", "Richard Nixon"], answer="Richard Nixon",
         answer_prediction="(B) Richard Nixon", modality="speech", category="Cultural Layer",
         **{"sub-category": "History"}),
    dict(id="a2", choices=["Near", "Far"], answer="Near", model_prediction="Near",
         modality="sound", category="Perception Layer", **{"sub-category": "Spatial Analysis"}),
    dict(id="a3", choices=["Near", "Far"], answer="Far", modality="mix-sound-music",
         category="Signal Layer", **{"sub-category": "Spatial Analysis"}),
    # reasoning mentions a distractor: official wrong, strict right
    dict(id="a4", choices=["Near", "Far"], answer="Near",
         answer_prediction="<think>far?</think>Near", modality="sound",
         category="Perception Layer", **{"sub-category": "Spatial Analysis"}),
]  # fmt: skip

MMSU_ITEMS = [
    dict(id="s1", response="B", answer_gt="Falling", category="phonology",
         **{"sub-category": "intonation"}, **TONES),
    dict(id="s2", response="Answer: (B)", answer_gt="Falling", category="phonology",
         **{"sub-category": "intonation"}, **TONES),  # official reads A
    dict(id="s3", response="I cannot tell", answer_gt="Flat", category="semantics",
         **{"sub-category": "emotion"}, **TONES),  # official drops
    dict(id="s4", response=None, answer_gt="Flat", category="semantics",
         **{"sub-category": "emotion"}, **TONES),  # official drops
    dict(id="s5", response="None", answer_gt="Flat", category="semantics",
         **{"sub-category": "sarcasm"}, **TONES),  # official: counted wrong
    dict(id="s6", response="The answer is (C)", answer_gt="Flat", category="semantics",
         **{"sub-category": "sarcasm"}, **TONES),  # second-to-last character
    dict(id="s7", answer_gt="Rising", category="phonology", **{"sub-category": "stress"},
         **TONES),  # no response at all: official drops
]  # fmt: skip


def write_json(path: Path, items: list) -> Path:
    path.write_text(json.dumps(items), encoding="utf-8")
    return path


def write_jsonl(path: Path, items: list) -> Path:
    path.write_text("".join(json.dumps(i) + "\n" for i in items), encoding="utf-8")
    return path


def group(correct: int, total: int) -> dict:
    return {"accuracy": correct / total, "correct": correct, "total": total}


def run_json(capsys, *argv: str) -> dict:
    assert main(["score", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


# --- reports ------------------------------------------------------------------------------------


class TestAggregate:
    def test_counts_and_list_values(self):
        results = [
            ("a", Verdict(True, True), {"category": ["Reasoning"], "task": "sound"}),
            ("b", Verdict(False, False), {"category": "Reasoning", "task": "sound"}),
            ("c", Verdict(False, False, counted=False), {"category": "Other", "task": "music"}),
            ("d", Verdict(True, True, choice=1), {"category": ["X", "Y", "X"], "task": None}),
            ("e", Verdict(False, True, choice=0), {"category": [], "task": 3}),
        ]
        report = aggregate(results, ["category", "task", ("category", "task")])
        assert (report.correct, report.total, report.unparsed, report.dropped) == (2, 4, 1, 1)
        d = report.to_dict()
        assert d["accuracy"] == 0.5
        assert d["breakdown"]["category"] == {
            "Reasoning": group(1, 2),  # ["Reasoning"] joins "Reasoning"
            "X": group(1, 1),  # a multi-valued list counts once under each distinct value
            "Y": group(1, 1),
        }
        assert d["breakdown"]["task"] == {"sound": group(1, 2), "3": group(0, 1)}
        assert d["breakdown"]["category / task"] == {"Reasoning / sound": group(1, 2)}
        assert d["items"][2] == {
            "id": "c", "correct": False, "parsed": False, "counted": False, "choice": None,
        }  # fmt: skip

    def test_fields_without_values_are_left_out(self):
        report = aggregate([("a", Verdict(True, True), {})], ["task"])
        assert report.breakdown == {}
        assert report.accuracy == 1.0

    def test_table(self):
        report = aggregate([("a", Verdict(True, True), {"task": "sound"})], ["task"])
        text = format_table(report, style="fraction")
        assert re.search(r"sound\s+1\s+1\s+1\.0000", text)
        assert "Total accuracy: 1.0000 (1/1; unparsed 0, dropped 0)" in text


# --- the three formats ---------------------------------------------------------------------------


class TestMMAU:
    def test_official(self, tmp_path, capsys):
        path = write_json(tmp_path / "mmau.json", MMAU_ITEMS)
        d = run_json(capsys, str(path), "--benchmark", "mmau", "--mode", "official")
        # Counted: all but m4 (no key). Right: m1, m3. Unparsed: m7 (empty).
        assert (d["correct"], d["total"], d["unparsed"], d["dropped"]) == (2, 6, 1, 1)
        assert d["accuracy"] == 2 / 6
        assert list(d["breakdown"]) == ["task", "difficulty", "sub-category"]
        assert d["breakdown"]["task"] == {
            "music": group(0, 2), "sound": group(1, 1), "speech": group(1, 3),
        }  # fmt: skip
        assert d["breakdown"]["difficulty"] == {
            "easy": group(1, 2), "hard": group(1, 2), "medium": group(0, 2),
        }  # fmt: skip
        assert d["breakdown"]["sub-category"] == {
            "Counting": group(0, 1), "Speaker": group(1, 3), "Spatial": group(1, 1),
        }  # fmt: skip
        m4 = next(i for i in d["items"] if i["id"] == "m4")
        assert m4["counted"] is False

    def test_strict_is_the_default(self, tmp_path, capsys):
        path = write_json(tmp_path / "mmau.json", MMAU_ITEMS)
        d = run_json(capsys, str(path), "--benchmark", "mmau")
        assert d["mode"] == "strict"
        # Right: m1, m2, m6. Unparsed: m4 (no key), m5 (two options), m7 (empty).
        assert (d["correct"], d["total"], d["unparsed"], d["dropped"]) == (3, 7, 3, 0)
        assert d["breakdown"]["category"] == {
            "Information Extraction": group(0, 1), "Reasoning": group(3, 3),
        }  # fmt: skip
        assert d["breakdown"]["task"]["speech"] == group(2, 3)
        by_id = {i["id"]: i for i in d["items"]}
        assert by_id["m3"] == {
            "id": "m3", "correct": False, "parsed": True, "counted": True, "choice": 1,
        }  # fmt: skip
        assert by_id["m6"]["choice"] == 0

    def test_jsonl_container_also_accepted(self, tmp_path, capsys):
        a = run_json(
            capsys, str(write_json(tmp_path / "a.json", MMAU_ITEMS)), "--benchmark", "mmau"
        )
        b = run_json(
            capsys, str(write_jsonl(tmp_path / "b.jsonl", MMAU_ITEMS)), "--benchmark", "mmau"
        )
        assert a == b

    def test_model_output_wins_over_model_prediction(self, tmp_path, capsys):
        item = dict(MMAU_ITEMS[0], model_prediction="Woman")
        d = run_json(capsys, str(write_json(tmp_path / "p.json", [item])), "--benchmark", "mmau")
        assert d["correct"] == 1


class TestMMAR:
    @pytest.mark.parametrize("container", ["json", "jsonl"])
    def test_official(self, tmp_path, capsys, container):
        writer = write_json if container == "json" else write_jsonl
        path = writer(tmp_path / f"mmar.{container}", MMAR_ITEMS)
        d = run_json(capsys, str(path), "--benchmark", "mmar", "--mode", "official")
        # Counted: a1, a2, a4 (a3 has no key). Right: a2 only.
        assert (d["correct"], d["total"], d["unparsed"], d["dropped"]) == (1, 3, 0, 1)
        assert list(d["breakdown"]) == ["modality", "category", "sub-category"]
        assert d["breakdown"]["modality"] == {"sound": group(1, 2), "speech": group(0, 1)}
        assert d["breakdown"]["category"] == {
            "Cultural Layer": group(0, 1), "Perception Layer": group(1, 2),
        }  # fmt: skip

    def test_strict(self, tmp_path, capsys):
        d = run_json(
            capsys, str(write_jsonl(tmp_path / "m.jsonl", MMAR_ITEMS)), "--benchmark", "mmar"
        )
        assert (d["correct"], d["total"], d["unparsed"], d["dropped"]) == (3, 4, 1, 0)


class TestMMSU:
    def test_official(self, tmp_path, capsys):
        path = write_jsonl(tmp_path / "mmsu.jsonl", MMSU_ITEMS)
        d = run_json(capsys, str(path), "--benchmark", "mmsu", "--mode", "official")
        # Counted: s1, s2, s5, s6 (s3 unreadable, s4 null, s7 missing are dropped).
        # Right: s1 ("B"), s6 ("...(C)"); s2 is read as A; s5 "None" is counted wrong.
        assert (d["correct"], d["total"], d["unparsed"], d["dropped"]) == (2, 4, 1, 3)
        assert d["breakdown"] == {
            "category": {"phonology": group(1, 2), "semantics": group(1, 2)},
            "category / sub-category": {
                "phonology / intonation": group(1, 2),
                "semantics / sarcasm": group(1, 2),
            },
        }

    def test_strict(self, tmp_path, capsys):
        path = write_jsonl(tmp_path / "mmsu.jsonl", MMSU_ITEMS)
        d = run_json(capsys, str(path), "--benchmark", "mmsu")
        assert (d["correct"], d["total"], d["unparsed"], d["dropped"]) == (3, 7, 4, 0)

    def test_table_uses_four_decimals(self, tmp_path, capsys):
        path = write_jsonl(tmp_path / "mmsu.jsonl", MMSU_ITEMS)
        assert main(["score", str(path), "--benchmark", "mmsu", "--mode", "official"]) == 0
        out = capsys.readouterr().out
        assert "phonology / intonation" in out
        assert "Total accuracy: 0.5000 (2/4; unparsed 1, dropped 3)" in out


class TestBenchmarkNames:
    def test_registered_benchmark_names_its_score_format(self, tmp_path, capsys, fresh_plugins):
        copy = replace(get_spec("mmar"), name="my_mmar_copy", family="my-own-family")

        class Plugin:
            @hookimpl
            def register_benchmarks(self, register):
                register(copy.name, copy)

        plugins.register_plugin(Plugin(), name="test-my-mmar")
        try:
            path = write_jsonl(tmp_path / "m.jsonl", MMAR_ITEMS)
            d = run_json(capsys, str(path), "--benchmark", "my_mmar_copy", "--mode", "official")
            assert d["correct"] == 1 and d["total"] == 3
        finally:
            plugins.unregister_plugin("test-my-mmar")

    def test_scorer_override(self, tmp_path, capsys):
        path = write_json(tmp_path / "mmau.json", MMAU_ITEMS)
        d = run_json(capsys, str(path), "--benchmark", "mmau", "--scorer", "mmau-official")
        assert d["scorer"] == "mmau-official" and d["total"] == 7  # strict counting


# --- errors ----------------------------------------------------------------------------------


class TestErrors:
    @pytest.mark.parametrize(
        ("content", "benchmark", "mode", "pattern"),
        [
            ("{not json\n", "mmau", "strict", r"line 1|:1: not valid JSON"),
            ("[1, 2", "mmau", "strict", r"not valid JSON"),
            ("[1, 2]", "mmau", "strict", r"record 1 is int"),
            ("[]", "mmau", "strict", r"no records"),
            (json.dumps([{"id": "x", "answer": "Man", "model_output": "Man"}]), "mmau",
             "strict", r"record 1 \(id 'x'\): field 'choices'"),
            (json.dumps([{"id": "y", "choices": PEOPLE, "model_output": "Man"}]), "mmau",
             "strict", r"id 'y'.*field 'answer'"),
            (json.dumps([dict(MMAU_ITEMS[0], model_output=None)]), "mmau", "official",
             r"id 'm1'.*'model_output' = None.*official script crashes"),
            (json.dumps({"id": "z", "response": "B", "answer_gt": "x", "choice_a": "x"}) + "\n",
             "mmsu", "strict", r"id 'z'.*choice_a"),
            (json.dumps([dict(MMAU_ITEMS[0], answer="")]), "mmau", "strict", r"withheld"),
            (json.dumps(MMAU_ITEMS), "mmxx", "strict", r"unknown benchmark 'mmxx'"),
            (json.dumps(MMAU_ITEMS), "dcase2026_task5_dev", "strict",
             r"'dcase2026_task5_dev' does not say.*score_format = None"),
            (json.dumps([MMAU_ITEMS[3]]), "mmau", "official", r"model_output / model_prediction"),
            # An MMAR file (answer_prediction) scored as mmau: strict must refuse it too.
            (json.dumps([{"id": "r1", "choices": PEOPLE, "answer": "Man",
                          "answer_prediction": "Man"}]), "mmau", "strict",
             r"none of the 1 records has a prediction key for mmau.*answer_prediction"),
            (json.dumps([MMAU_ITEMS[0], MMAU_ITEMS[1], MMAU_ITEMS[0]]), "mmau", "strict",
             r"'m1' \(records 1, 3\).*one prediction per item"),
            (json.dumps([MMAU_ITEMS[0], MMAU_ITEMS[0]]), "mmau", "official",
             r"more than once.*'m1'"),
        ],
    )  # fmt: skip
    def test_exit_2_naming_the_problem(self, tmp_path, capsys, content, benchmark, mode, pattern):
        path = tmp_path / "pred.json"
        path.write_text(content, encoding="utf-8")
        assert main(["score", str(path), "--benchmark", benchmark, "--mode", mode]) == 2
        err = capsys.readouterr().err
        assert err.startswith("audiomcq: error: ")
        assert re.search(pattern, err), err

    def test_missing_file(self, tmp_path, capsys):
        assert main(["score", str(tmp_path / "nope.json"), "--benchmark", "mmau"]) == 2
        assert "nope.json" in capsys.readouterr().err

    def test_library_raises_input_error(self, tmp_path):
        with pytest.raises(InputError, match="record 1"):
            score_file(write_json(tmp_path / "p.json", [[]]), "mmau")


# --- subprocess ------------------------------------------------------------------------------


class TestSubprocess:
    def test_python_m_json_and_table(self, tmp_path):
        path = write_jsonl(tmp_path / "mmsu.jsonl", MMSU_ITEMS)
        env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
        cmd = [sys.executable, "-m", "audiomcq_plugins", "score", str(path), "--benchmark", "mmsu"]
        done = subprocess.run([*cmd, "--json"], capture_output=True, text=True, env=env)
        assert done.returncode == 0, done.stderr
        d = json.loads(done.stdout)
        assert {"accuracy", "correct", "total", "unparsed", "breakdown", "items"} <= set(d)
        assert all({"id", "correct"} <= set(item) for item in d["items"])
        done = subprocess.run([*cmd, "--mode", "official"], capture_output=True, text=True, env=env)
        assert done.returncode == 0 and "Total accuracy: 0.5000" in done.stdout
        bad = subprocess.run(
            [*cmd[:4], str(tmp_path), "--benchmark", "mmsu"],
            capture_output=True,
            text=True,
            env=env,
        )
        assert bad.returncode == 2 and "Traceback" not in bad.stderr


# --- real metadata ---------------------------------------------------------------------------


LETTERS = "ABCDEFGH"


def _tokens(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


class TestRealMetadata:
    """Predictions synthesised from the real answers; every expected number is derived below
    from the scoring rules (and pinned, so a change in either data or rules is noticed)."""

    @pytest.fixture(scope="class")
    def data(self) -> dict[str, list[dict]]:
        root = real_data_dir()
        mmau = json.loads((root / "mmau-test-mini.json").read_text(encoding="utf-8"))
        lines = (root / "MMAR-meta.jsonl").read_text(encoding="utf-8").splitlines()
        return {"mmau": mmau, "mmar": [json.loads(line) for line in lines if line.strip()]}

    @staticmethod
    def _score(tmp_path, benchmark, items, make, mode, drop_every=0):
        key = "model_output" if benchmark == "mmau" else "answer_prediction"
        out = []
        for n, item in enumerate(items):
            record = dict(item)
            if not (drop_every and n % drop_every == 0):
                record[key] = make(item, item["choices"].index(item["answer"]))
            out.append(record)
        return score_file(write_json(tmp_path / f"{benchmark}.json", out), benchmark, mode)

    @pytest.mark.parametrize(
        ("benchmark", "official", "strict"),
        # Official: string_match(answer, answer) fails only for an answer without word tokens
        # (none in either file): 1000. Strict: the exact text of an option is ambiguous only
        # when it is a single letter that also names a *different* option by position; MMAU
        # has 3 such answers (a lone "a" and two note names "D"), MMAR none.
        [("mmau", 1000, 997), ("mmar", 1000, 1000)],
    )
    def test_answer_text(self, data, tmp_path, benchmark, official, strict):
        items = data[benchmark]
        collisions = sum(
            len(key := item["answer"].strip().lower()) == 1
            and key.upper() in LETTERS[: len(item["choices"])]
            and item["choices"][LETTERS.index(key.upper())].strip().lower() != key
            for item in items
        )
        assert collisions == 1000 - strict
        make = lambda item, i: item["answer"]  # noqa: E731
        o = self._score(tmp_path, benchmark, items, make, "official")
        s = self._score(tmp_path, benchmark, items, make, "strict")
        assert (o.correct, o.total, o.dropped) == (official, 1000, 0)
        assert (s.correct, s.total, s.unparsed) == (strict, 1000, 1000 - strict)

    @pytest.mark.parametrize(
        ("benchmark", "official", "strict"),
        # Official: a bare letter is right only when the answer's text *is* that letter (two
        # MMAU items whose choices are the letters A-D, answer "A"). Strict: right unless the
        # letter is also the text of another option (two MMAU note-name items).
        [("mmau", 2, 998), ("mmar", 0, 1000)],
    )
    def test_bare_letter(self, data, tmp_path, benchmark, official, strict):
        items = data[benchmark]
        own_letter = sum(
            _tokens(it["answer"]) == {LETTERS[it["choices"].index(it["answer"])].lower()}
            for it in items
        )
        letter_is_other_text = sum(
            any(
                c.strip().lower() == LETTERS[it["choices"].index(it["answer"])].lower()
                and c != it["answer"]
                for c in it["choices"]
            )
            for it in items
        )
        assert (own_letter, 1000 - letter_is_other_text) == (official, strict)
        make = lambda item, i: LETTERS[i]  # noqa: E731
        assert self._score(tmp_path, benchmark, items, make, "official").correct == official
        assert self._score(tmp_path, benchmark, items, make, "strict").correct == strict

    @pytest.mark.parametrize(
        ("benchmark", "official"),
        # "(B) Richard Nixon": the letter becomes the token "b"; wrong exactly when "b" is a
        # word of a distractor whose token set differs from the answer's, and not of the
        # answer ("Lyndon B. Johnson", "A man and a child", ...): 33 MMAU, 15 MMAR items.
        [("mmau", 967), ("mmar", 985)],
    )
    def test_letter_and_text(self, data, tmp_path, benchmark, official):
        items = data[benchmark]

        def quirk(it: dict) -> bool:
            letter = LETTERS[it["choices"].index(it["answer"])].lower()
            answer = _tokens(it["answer"])
            return letter not in answer and any(
                letter in _tokens(c) for c in it["choices"] if _tokens(c) != answer
            )

        assert 1000 - sum(map(quirk, items)) == official
        make = lambda item, i: f"({LETTERS[i]}) {item['answer']}"  # noqa: E731
        assert self._score(tmp_path, benchmark, items, make, "official").correct == official
        assert self._score(tmp_path, benchmark, items, make, "strict").correct == 1000

    @pytest.mark.parametrize("benchmark", ["mmau", "mmar"])
    def test_missing_predictions(self, data, tmp_path, benchmark):
        # Every 10th item without a prediction key: official skips 100, strict counts them.
        make = lambda item, i: f"<answer>{item['answer']}</answer>"  # noqa: E731
        items = data[benchmark]
        o = self._score(tmp_path, benchmark, items, make, "official", drop_every=10)
        s = self._score(tmp_path, benchmark, items, make, "strict", drop_every=10)
        assert (o.total, o.dropped) == (900, 100)
        assert (s.total, s.dropped) == (1000, 0)
        assert s.unparsed >= 100 and s.correct <= 900
        # Breakdown totals add up to the counted items (every item has a task / modality).
        first = "task" if benchmark == "mmau" else "modality"
        assert sum(g.total for g in o.breakdown[first].values()) == 900
        if benchmark == "mmau":
            # 13 items hold category ["Reasoning"]: counted under "Reasoning", no list group.
            assert set(s.breakdown["category"]) == {"Reasoning", "Information Extraction"}
            assert sum(g.total for g in s.breakdown["category"].values()) == 1000
