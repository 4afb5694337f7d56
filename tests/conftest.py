"""Shared fixtures."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from audiomcq_plugins import plugins

# The suite runs as two xdist workers on two cores: one OpenMP thread each, inherited by the
# training subprocesses too (tiny_recipe.run_trl otherwise gives each of them every core).
os.environ.setdefault("OMP_NUM_THREADS", "1")
# MMAU-Pro's official matcher embeds with NV-Embed-v2, which cannot be downloaded here: the
# suite scores acc_official with the lexical embedder, and results say so (scorer_modes).
# tests/test_mmau_pro.py checks the early error without it.
os.environ.setdefault("AUDIOMCQ_EMBEDDER", "char-ngram")

SAMPLE_PLUGIN_DIR = Path(__file__).parent / "sample_plugin"


def install_sample_plugin(site: Path) -> Path:
    """Make ``site`` look like site-packages holding the sample plugin's distribution.

    A ``.dist-info`` folder with ``entry_points.txt`` is exactly what ``pip install`` leaves,
    so importlib.metadata (and pluggy) discover the plugin with no change to the package.
    """
    dist = site / "audiomcq_sample_plugin-1.0.dist-info"
    dist.mkdir(parents=True, exist_ok=True)
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: audiomcq-sample-plugin\nVersion: 1.0\n"
    )
    (dist / "entry_points.txt").write_text("[audiomcq]\nsample = audiomcq_sample_plugin\n")
    (site / "audiomcq_sample_plugin.py").write_text(
        (SAMPLE_PLUGIN_DIR / "audiomcq_sample_plugin.py").read_text()
    )
    return site


@pytest.fixture
def sample_plugin_site(tmp_path, monkeypatch):
    """The sample plugin 'installed' on sys.path (in-process) and PYTHONPATH (subprocesses)."""
    site = install_sample_plugin(tmp_path / "site")
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]))
    plugins.reset()
    yield site
    sys.modules.pop("audiomcq_sample_plugin", None)
    plugins.reset()


@pytest.fixture
def fresh_plugins():
    """Rebuild registries before and after a test that registers plugins at run time."""
    plugins.reset()
    yield
    plugins.reset()


@pytest.fixture(scope="session")
def tiny_checkpoints():
    """Every tiny trainable checkpoint of ``tests.trl_fixtures``, built quietly before the first
    test that needs one (in this fixture's setup, never inside a test's captured output)."""
    pytest.importorskip("transformers")
    from tests.trl_fixtures import ARCHS, tiny_checkpoint

    return {arch: tiny_checkpoint(arch) for arch in ARCHS}


def pytest_terminal_summary(terminalreporter, config):
    """The test order's seed, also under -q (pytest-randomly prints it only in the header)."""
    try:
        seed = config.getoption("randomly_seed")
    except ValueError:  # -p no:randomly
        return
    if isinstance(seed, int):
        terminalreporter.write_line(f"test order: --randomly-seed={seed} repeats it")
