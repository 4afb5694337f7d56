"""The one boolean reader (audiomcq_plugins/flags.py): model arguments, recipe keys."""

from __future__ import annotations

import pytest

from audiomcq_plugins.flags import parse_bool


@pytest.mark.parametrize(
    ("value", "expected"),
    [(True, True), (False, False), ("TRUE", True), (" yes", True), ("On", True), ("1", True),
     (1, True), ("false", False), ("No", False), ("off", False), ("0", False), (0, False)],
)  # fmt: skip
def test_true_and_false_spellings(value, expected):
    assert parse_bool(value, "x") is expected


@pytest.mark.parametrize("value", ["maybe", "", "2", "tru", None])
def test_anything_else_is_an_error_naming_the_setting(value):
    with pytest.raises(ValueError, match=r"prefetch_encoder=.*expected true or false"):
        parse_bool(value, "prefetch_encoder")


def test_none_takes_the_default_when_there_is_one():
    assert parse_bool(None, "x", True) is True
    assert parse_bool(None, "x", False) is False
