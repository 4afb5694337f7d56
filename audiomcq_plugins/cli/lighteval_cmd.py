"""``audiomcq lighteval ...`` (lighteval's command line with our tasks, the audio model's fixes
and ``--data-dir``) and ``audiomcq lighteval-model-file`` (the file for ``lighteval custom``)."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "lighteval",
        help="run lighteval with the audio tasks added and its 0.13 breakages fixed",
        description="All arguments go to lighteval unchanged (see `lighteval --help`), e.g. "
        'audiomcq lighteval custom "pretrained=DIR" "$(audiomcq lighteval-model-file)" '
        '"mmau_test_mini|0,mmar|0"; --custom-tasks defaults to our tasks and a module of '
        "your own is merged with them.",
        allow_abbrev=False,
        add_help=False,
    )
    p.add_argument("--data-dir", default=None, help="benchmark data root (sets AUDIOMCQ_DATA_DIR)")
    p.set_defaults(func=run, accepts_extra=True)
    f = sub.add_parser(
        "lighteval-model-file",
        help="print the path of the audio model file for `lighteval custom`",
        description='Use as: lighteval custom "pretrained=DIR" "$(audiomcq '
        'lighteval-model-file)" "mmau_test_mini|0" --custom-tasks '
        "audiomcq_plugins.integrations.lighteval",
    )
    f.set_defaults(func=print_model_file)


def run(args: argparse.Namespace) -> int:
    from audiomcq_plugins.cli import CLIError
    from audiomcq_plugins.versions import UntestedVersionError

    try:  # importing the package runs the version guard
        from audiomcq_plugins.integrations.lighteval import compat

        compat.check_versions()
    except UntestedVersionError as exc:  # not installed / untested version: one line
        raise CLIError(str(exc)) from None
    from audiomcq_plugins.integrations.lighteval.cli import run_lighteval

    return run_lighteval(args.extra, data_dir=args.data_dir)


def print_model_file(args: argparse.Namespace) -> int:
    from pathlib import Path

    # Not via the package: printing a path must not need lighteval installed.
    import audiomcq_plugins

    print(Path(audiomcq_plugins.__file__).parent / "integrations" / "lighteval" / "model_file.py")
    return 0
