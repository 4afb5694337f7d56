"""The plugin system: built-ins, third-party discovery, name clashes, lookups."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from pathlib import Path

import pytest

from audiomcq_plugins import hookimpl, hookspecs, plugins
from audiomcq_plugins.plugins import DuplicateNameError, UnknownNameError
from tests.bench_helpers import write_birds


class TestThirdPartyPlugin:
    def test_discovered_through_entry_points(self, sample_plugin_site):
        info = plugins.describe()
        assert info["sample"] == {
            "benchmarks": ["sample_birdsong"],
            "prompt_formats": ["sample-yes-no"],
            "scorers": ["sample-first-word"],
            "embedders": ["sample-vowels"],
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

    def test_embedder_used_by_the_embedding_matcher(self, sample_plugin_site, monkeypatch):
        monkeypatch.setenv("AUDIOMCQ_EMBEDDER", "sample-vowels")
        matcher = plugins.get("scorers", "mmau-pro-official")
        # vowel counts: "oooo" is nearest to "oo" (same direction), not to "aaaa" or "ie"
        verdict = matcher("oooo", ["aaaa", "oo", "ie"], "oo")
        assert verdict.correct and verdict.choice == 1
        assert matcher.mode("mmau-pro-official") == "mmau-pro-official (embedder sample-vowels)"

    def test_sampler_and_audio_hooks_used(self, sample_plugin_site):
        pytest.importorskip("torch")
        from audiomcq_plugins.audio import load_audio

        sampler = plugins.get("samplers", "sample_reversed")(range(5), batch_size=2)
        assert list(sampler) == [4, 3, 2, 1]  # the incomplete last batch is dropped
        tone = load_audio("tone:440")
        assert tone.duration == 1.0 and abs(float(tone.array.max()) - 1.0) < 1e-3

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

    def test_command_added_to_cli(self, sample_plugin_site, tmp_path):
        src = write_birds(tmp_path / "birds")
        run = [sys.executable, "-m", "audiomcq_plugins"]
        out = subprocess.run(
            [*run, "birdsong-habitats", str(src)], capture_output=True, text=True, check=True
        ).stdout
        assert out.splitlines() == ["forest: 1", "wetland: 1"]
        helps = subprocess.run([*run, "--help"], capture_output=True, text=True).stdout
        assert "Count the items of a sample_birdsong copy per habitat." in helps

    def test_task_dir_holds_plugin_tasks_and_follows_the_registry(
        self, sample_plugin_site, tmp_path, monkeypatch
    ):
        from audiomcq_plugins.integrations.lm_eval import TASK_DIR, task_dir

        monkeypatch.setenv("AUDIOMCQ_CACHE", str(tmp_path / "cache"))
        with_plugin = task_dir()
        assert with_plugin.parent == tmp_path / "cache" / "tasks"
        names = {p.name for p in with_plugin.glob("*.yaml")}
        assert {"sample_birdsong.yaml", "sample_birdsong_silent.yaml", "mmsu.yaml"} <= names
        from audiomcq_plugins.tasks import VARIANTS

        plugin_tasks = {f"{v.name('sample_birdsong')}.yaml" for v in VARIANTS}
        assert {p.name for p in TASK_DIR.glob("*.yaml")} == names - plugin_tasks
        printed = subprocess.run(
            [sys.executable, "-m", "audiomcq_plugins", "task-dir"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        assert printed == str(with_plugin)
        plugins.unregister_plugin("sample")
        assert task_dir() == TASK_DIR  # nothing beyond the built-ins: the shipped YAMLs


class TestHookSurface:
    SPECS = sorted(n for n in dir(hookspecs) if hasattr(getattr(hookspecs, n), "audiomcq_spec"))

    def test_every_hook_is_documented(self):
        docs = (Path(__file__).parents[1] / "docs" / "plugins.md").read_text()
        assert len(self.SPECS) >= 7
        for name in self.SPECS:
            fn = getattr(hookspecs, name)
            doc = inspect.getdoc(fn) or ""
            for param in inspect.signature(fn).parameters:
                assert f":param {param}:" in doc, (name, param)
            assert ":returns:" in doc, name
            assert f"`{name}`" in docs, f"docs/plugins.md does not document {name}"

    def test_sample_plugin_implements_every_hook(self, sample_plugin_site):
        pm = plugins.get_plugin_manager()
        sample = pm.get_plugin("sample")
        implemented = {h.name for h in pm.get_hookcallers(sample)}
        assert implemented == set(self.SPECS)

    def test_register_hooks_share_one_shape(self):
        for name in self.SPECS:
            if name.startswith("register_"):
                params = list(inspect.signature(getattr(hookspecs, name)).parameters)
                assert params == ["register"], name
                assert name.removeprefix("register_") in plugins.KINDS

    def test_plugin_command_may_not_shadow_a_builtin(self, fresh_plugins, capsys):
        from audiomcq_plugins.cli import main

        class Shadow:
            @hookimpl
            def register_commands(self, register):
                register("score", lambda parser: None)

        plugins.register_plugin(Shadow(), name="shadow")
        assert main(["plugins"]) == 2
        assert "command 'score' of plugin 'shadow' is a built-in" in capsys.readouterr().err


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

    def test_benchmark_name_must_be_its_spec_name(self, fresh_plugins):
        from audiomcq_plugins.benchmarks import get_spec

        mmar = get_spec("mmar")

        class P:
            @hookimpl
            def register_benchmarks(self, register):
                register("my_mmar", mmar)

        plugins.register_plugin(P(), name="p")
        with pytest.raises(plugins.RegistryError, match="spec named 'mmar'.*register\\(spec.name"):
            plugins.registry("benchmarks")

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
