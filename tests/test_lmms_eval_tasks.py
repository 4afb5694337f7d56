"""The lmms-eval task directory, rendered without lmms-eval (the tasks run in its own
environment: tests/lmms/)."""

from __future__ import annotations

import subprocess
import sys

import yaml

from audiomcq_plugins.integrations.lmms_eval.compat import MARKER
from audiomcq_plugins.integrations.lmms_eval.task_yaml import task_dir
from audiomcq_plugins.task_metrics import task_metrics
from audiomcq_plugins.tasks import get_task, groups, task_defs


class _Loader(yaml.SafeLoader):
    """Reads lmms-eval YAMLs without importing what ``!function`` names."""


_Loader.add_constructor("!function", lambda loader, node: f"!function {node.value}")


def _load(path):
    return yaml.load(path.read_text(), Loader=_Loader)  # noqa: S506 (a SafeLoader subclass)


def test_every_generation_task_and_group_with_every_metric(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDIOMCQ_CACHE", str(tmp_path))
    d = task_dir({"data_dir": "/data/x"})
    assert (d / MARKER).is_file() and d.parent == tmp_path / "lmms_eval_tasks"
    generate = [t for t in task_defs() if t.variant.output == "generate"]
    names = {p.stem for p in d.glob("*.yaml")}
    assert names == {t.name for t in generate} | set(groups(generate))
    assert not any(n.endswith("_loglik") for n in names)
    for task in ("mmau_test_mini", "audiomcq_synth_acweak", "mmar_circular", "mmsu_text"):
        config = _load(d / f"{task}.yaml")
        assert config["class"].endswith("lmms_eval.tasks.AudioMCQTask")
        assert config["metadata"]["data_dir"] == "/data/x"
        assert [m["metric"] for m in config["metric_list"]] == [
            m.name for m in task_metrics(get_task(task))
        ]
        assert config["generation_kwargs"]["temperature"] == 0
    assert _load(d / "audiomcq_synth_acweak.yaml")["metadata"]["subset"] == "weak"
    assert _load(d / "mmar_circular.yaml")["metadata"]["permute"] == "circular"
    # Other options, another directory; the same options, the same one.
    assert task_dir({"data_dir": "/data/y"}) != d == task_dir({"data_dir": "/data/x"})


def test_the_cli_prints_it(tmp_path):
    env = {"AUDIOMCQ_CACHE": str(tmp_path), "PATH": ""}
    out = subprocess.run(
        [sys.executable, "-m", "audiomcq_plugins", "task-dir", "--harness", "lmms-eval"],
        capture_output=True, text=True, check=True, env=env,
    ).stdout.strip()  # fmt: skip
    assert out.startswith(str(tmp_path / "lmms_eval_tasks")) and (tmp_path / out).is_dir()


def test_a_plugin_benchmark_gets_lmms_eval_tasks(sample_plugin_site, tmp_path, monkeypatch):
    monkeypatch.setenv("AUDIOMCQ_CACHE", str(tmp_path))
    names = {p.stem for p in task_dir().glob("*.yaml")}
    assert {"sample_birdsong", "sample_birdsong_silent", "sample_birdsong_acstrong"} <= names
