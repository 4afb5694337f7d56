"""The CLI's vocabulary: one flag name per idea, the same in every subcommand.

- ``--data-dir DIR``: the folder holding every benchmark's data (``DIR/<benchmark>/``; sets
  ``$AUDIOMCQ_DATA_DIR``): eval, lighteval, submission, contribution label;
- ``--source PATH``: one benchmark's own folder or metadata file, in its official layout:
  prepare, submission;
- ``--data-root DIR``: the folder an items file's audio paths are relative to: prepare,
  validate, train prepare-data;
- ``--skip-audio``: do not decode the clips (faster; audio problems go unseen): prepare,
  validate, train prepare-data;
- ``--benchmark NAME``: a registered benchmark (``prepare`` takes it as its first argument):
  score, submission, contribution label;
- ``--mode strict|official``: how answers are scored, the strict view or the official
  script's: score, contribution label;
- ``--scorer NAME``: a registered scorer used instead of the mode's own: score;
- ``--out PATH``: where the command writes: every command that writes (``train
  extract-thinker`` too).

Old spellings still work for one release and print one deprecation line:
:data:`DEPRECATED` lists them (``tests/test_cli_options.py`` checks every parser against it).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

#: old spelling -> the flag that replaces it.
DEPRECATED: dict[str, str] = {
    "--audio-base": "--data-root",
    "--no-check-audio": "--skip-audio",
    "--task": "--benchmark",  # contribution label's base task is a benchmark name
    "--scorer": "--mode",  # in contribution label only (score's --scorer is a scorer)
}


class _Deprecated(argparse.Action):
    """Stores like the flag it stands for, and says once that the spelling is old."""

    def __init__(self, option_strings: list[str], dest: str, new: str, **kwargs: Any) -> None:
        self.new = new
        super().__init__(option_strings, dest, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, namespace, values, option=None) -> None:
        print(
            f"audiomcq: warning: {option} is deprecated and will be removed; use {self.new}",
            file=sys.stderr,
        )
        setattr(namespace, self.dest, True if self.nargs == 0 else values)


def deprecated(parser: argparse.ArgumentParser, old: str, *, dest: str, flag: bool = False):
    """Accept ``old`` (a key of :data:`DEPRECATED`) for ``dest``, hidden from the help."""
    kwargs: dict[str, Any] = {"nargs": 0} if flag else {}
    parser.add_argument(
        old, dest=dest, action=_Deprecated, new=DEPRECATED[old], help=argparse.SUPPRESS, **kwargs
    )


def data_root(parser: argparse.ArgumentParser, help: str, **kwargs: Any) -> None:
    parser.add_argument("--data-root", help=help, **kwargs)
    deprecated(parser, "--audio-base", dest="data_root")


def skip_audio(parser: argparse.ArgumentParser, help: str) -> None:
    parser.add_argument("--skip-audio", action="store_true", help=help)
    deprecated(parser, "--no-check-audio", dest="skip_audio", flag=True)


def data_dir(parser: argparse.ArgumentParser, help: str) -> None:
    parser.add_argument("--data-dir", default=None, help=help)
