"""One CLI vocabulary (audiomcq_plugins/cli/options.py): the same flag for the same idea in every
subcommand; the old spellings still parse, hidden from the help, with one deprecation line."""

from __future__ import annotations

import argparse
import re

import pytest

from audiomcq_plugins.cli import build_parser, options


def _subparsers(parser: argparse.ArgumentParser, path=()):
    """(command path, parser) for every (sub)command."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _subparsers(sub, (*path, name))


def test_old_spellings_are_hidden_aliases_only():
    """Where a deprecated spelling appears it is the alias (score's --scorer is a scorer name,
    another idea: the one exception, named in DEPRECATED's comment)."""
    seen = set()
    for path, parser in _subparsers(build_parser()):
        for action in parser._actions:
            for flag in set(action.option_strings) & set(options.DEPRECATED):
                if path == ("score",) and flag == "--scorer":
                    continue
                assert isinstance(action, options._Deprecated), (path, flag)
                assert action.help == argparse.SUPPRESS, (path, flag)
                seen.add(flag)
    assert seen == set(options.DEPRECATED)


def test_one_help_line_per_idea():
    """The vocabulary's flags are spelled one way: no subcommand offers an old spelling in its
    help, and the new spellings exist wherever the idea does."""
    helps = {" ".join(path): parser.format_help() for path, parser in _subparsers(build_parser())}
    for path, text in helps.items():
        for old in options.DEPRECATED:
            if path == "score" and old == "--scorer":
                continue
            assert not re.search(rf"{old}(?![\w-])", text), (path, old)
    assert "--data-root" in helps["prepare"] and "--data-root" in helps["validate"]
    assert "--skip-audio" in helps["train prepare-data"] and "--skip-audio" in helps["prepare"]
    assert "--benchmark" in helps["contribution label"] and "--mode" in helps["contribution label"]
    assert "--out" in helps["train extract-thinker"]


@pytest.mark.parametrize(
    ("argv", "dest", "value", "new"),
    [
        (["prepare", "mmar", "--out", "o", "--audio-base", "/a"], "data_root", "/a",
         "--data-root"),
        (["train", "prepare-data", "--items", "i", "--data-root", "r", "--out", "o",
          "--no-check-audio"], "skip_audio", True, "--skip-audio"),
        (["contribution", "label", "--task", "mmar", "--out", "o"], "task", "mmar",
         "--benchmark"),
        (["contribution", "label", "--benchmark", "mmar", "--out", "o", "--scorer",
          "official"], "mode", "official", "--mode"),
    ],
)  # fmt: skip
def test_old_spelling_still_parses_and_says_what_replaces_it(argv, dest, value, new, capsys):
    args, _ = build_parser().parse_known_args(argv)
    assert getattr(args, dest) == value
    err = capsys.readouterr().err
    assert err.count("deprecated") == 1 and f"use {new}" in err, err


def test_new_spellings_parse_silently(capsys):
    parser = build_parser()
    args, _ = parser.parse_known_args(["prepare", "mmar", "--out", "o", "--data-root", "/a"])
    assert args.data_root == "/a"
    argv = ["contribution", "label", "--benchmark", "mmar", "--out", "o", "--mode", "official"]
    args, _ = parser.parse_known_args(argv)
    assert (args.task, args.mode) == ("mmar", "official")
    assert capsys.readouterr().err == ""


def test_extract_thinker_positional_out_still_works_with_a_notice(tmp_path, capsys):
    from audiomcq_plugins.cli import main

    rc = main(["train", "extract-thinker", str(tmp_path / "missing"), str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert "`extract-thinker SRC OUT` is deprecated" in err
    assert rc != 0  # the source does not exist: the command ran with OUT from the old spelling


def test_contribution_label_needs_a_benchmark(capsys):
    from audiomcq_plugins.cli import main

    assert main(["contribution", "label", "--out", "x.jsonl", "--from-samples", "d"]) == 2
    assert "--benchmark is required" in capsys.readouterr().err
