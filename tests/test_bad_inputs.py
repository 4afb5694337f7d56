"""The bad-input matrix: every command x every kind of bad input ends in one clear error
(status 1 or 2, the culprit named, no traceback) or the right result. Grows with each command.

In-process through ``audiomcq_plugins.cli.main``; interruptions are in ``test_interrupts.py``.
"""

from __future__ import annotations

import re

import pytest

from audiomcq_plugins.cli import main


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.delenv("AUDIOMCQ_DATA_DIR", raising=False)


def _one_clear_error(capsys, rc: int, *patterns: str) -> str:
    """Assert a non-zero status and a stderr without traceback matching every pattern."""
    err = capsys.readouterr().err
    assert rc != 0, err
    assert "Traceback" not in err, err
    for pattern in patterns:
        assert re.search(pattern, err, re.S), err
    return err


# --- eval: checked before the model loads ------------------------------------------------


def test_eval_nonexistent_model_path_is_one_line(capsys):
    rc = main(["eval", "--model", "audiomcq-hf", "--model_args", "pretrained=/nonexistent/x",
               "--tasks", "mmau_test_mini"])  # fmt: skip
    err = _one_clear_error(capsys, rc, r"pretrained=/nonexistent/x: no such directory")
    assert len(err.strip().splitlines()) == 1


def test_eval_missing_data_is_reported_before_the_model_loads(tmp_path, capsys):
    # pretrained names an existing directory holding no model: had the model loaded first,
    # the error would be about the checkpoint, not the data.
    (tmp_path / "model").mkdir()
    model_args = f"pretrained={tmp_path / 'model'}"
    rc = main(["eval", "--data-dir", str(tmp_path / "nodata"), "--model", "audiomcq-hf",
               "--model_args", model_args, "--tasks", "mmau_test_mini"])  # fmt: skip
    _one_clear_error(capsys, rc, r"mmau_test_mini: data not found", r"--data-dir DIR")
