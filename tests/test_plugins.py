"""The plugin system: built-ins, third-party discovery, name clashes, lookups."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from audiomcq_plugins import hookimpl, plugins
from audiomcq_plugins.plugins import DuplicateNameError, UnknownNameError


class TestThirdPartyPlugin:
    def test_discovered_through_entry_points(self, sample_plugin_site):
        info = plugins.describe()
        assert info["sample"] == {
            "benchmarks": ["sample_birdsong"],
            "prompt_formats": ["sample-yes-no"],
            "scorers": ["sample-first-word"],
            "rewards": ["sample_brevity"],
            "samplers": ["sample_reversed"],
            "commands": ["birdsong-habitats"],
        }

    def test_available_in_python_api(self, sample_plugin_site):
        scorer = plugins.get("scorers", "sample-first-word")
        verdict = scorer("Cat, surely.", ["dog", "cat"], "cat")
        assert verdict.correct and verdict.choice == 1
        reward = plugins.get("rewards", "sample_brevity")
        assert reward(["p"], ["abc"]) == [0.25]

    def test_listed_by_cli(self, sample_plugin_site):
        out = subprocess.run(
            [sys.executable, "-m", "audiomcq_plugins", "plugins", "--json"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert json.loads(out)["sample"]["scorers"] == ["sample-first-word"]

    def test_benchmark_prepared_by_cli(self, sample_plugin_site, tmp_path):
        import numpy as np

        from audiomcq_plugins.audio import write_audio

        src = tmp_path / "birds"
        (src / "clips").mkdir(parents=True)
        write_audio(src / "clips/b1.wav", np.zeros(1600, np.float32))
        rec = {
            "key": "b1",
            "clip": "clips/b1.wav",
            "q": "Which bird?",
            "opts": ["owl", "wren"],
            "gold": "wren",
            "habitat": "forest",
        }
        (src / "birds.jsonl").write_text(json.dumps(rec) + "\n")
        out = tmp_path / "out"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "audiomcq_plugins",
                "prepare",
                "sample_birdsong",
                "--source",
                str(src),
                "--out",
                str(out),
                "--no-progress",
                "--workers",
                "1",
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        (written,) = [
            json.loads(line) for line in (out / "sample_birdsong.jsonl").read_text().splitlines()
        ]
        assert (written["id"], written["answer_index"], written["habitat"]) == ("b1", 1, "forest")

    def test_scorer_used_by_score_cli(self, sample_plugin_site, tmp_path):
        preds = [
            {"id": "a", "choices": ["dog", "cat"], "answer": "cat", "model_output": "cat, surely"},
            {"id": "b", "choices": ["dog", "cat"], "answer": "dog", "model_output": "Cat."},
        ]
        path = tmp_path / "preds.json"
        path.write_text(json.dumps(preds))
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "audiomcq_plugins",
                "score",
                str(path),
                "--benchmark",
                "mmau",
                "--scorer",
                "sample-first-word",
                "--json",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert [it["correct"] for it in json.loads(out)["items"]] == [True, False]

    def test_reward_resolved_by_trainer_entry_point(self, sample_plugin_site):
        pytest.importorskip("trl")
        from audiomcq_plugins.integrations.trl.grpo import resolve_reward

        assert resolve_reward("sample_brevity")(["p"], ["abc"]) == [0.25]


class TestRegistry:
    def test_duplicate_name_names_both_plugins(self, fresh_plugins):
        class Clash:
            @hookimpl
            def register_rewards(self, register):
                register("clashing", lambda *a, **k: [])

        plugins.register_plugin(Clash(), name="first-plugin")
        plugins.register_plugin(Clash(), name="second-plugin")
        with pytest.raises(DuplicateNameError) as exc:
            plugins.registry("rewards")
        assert "'first-plugin'" in str(exc.value) and "'second-plugin'" in str(exc.value)

    def test_unknown_name_suggests_and_lists(self, fresh_plugins):
        class P:
            @hookimpl
            def register_scorers(self, register):
                register("exact-match", lambda *a: None)

        plugins.register_plugin(P(), name="p")
        with pytest.raises(UnknownNameError) as exc:
            plugins.get("scorers", "exact-mach")
        msg = str(exc.value)
        assert "Did you mean 'exact-match'" in msg and "Known:" in msg

    def test_unknown_kind(self):
        with pytest.raises(UnknownNameError, match="unknown registry 'widgets'"):
            plugins.registry("widgets")

    def test_invalid_name(self, fresh_plugins):
        class P:
            @hookimpl
            def register_rewards(self, register):
                register("", lambda *a: None)

        plugins.register_plugin(P(), name="p")
        with pytest.raises(plugins.RegistryError, match="invalid name ''"):
            plugins.registry("rewards")

    def test_load_audio_hook_plugin_wins(self, fresh_plugins):
        import numpy as np

        from audiomcq_plugins.audio import Audio, load_audio

        class Store:
            @hookimpl
            def load_audio(self, source, data_root, item_id, mono):
                if isinstance(source, str) and source.startswith("mem://"):
                    return Audio(np.ones(10, np.float32))
                return None

        plugins.register_plugin(Store(), name="store")
        assert load_audio("mem://clip").array.sum() == 10


def test_import_is_light():
    code = (
        "import sys, audiomcq_plugins, audiomcq_plugins.plugins as p; p.describe(); "
        "heavy = {'torch', 'transformers', 'lm_eval', 'trl', 'datasets'} & set(sys.modules); "
        "print(sorted(heavy))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "[]"
