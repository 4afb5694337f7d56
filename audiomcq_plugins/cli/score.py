"""Placeholder: ``audiomcq score`` is filled in by its owner."""


def add_parser(sub) -> None:  # noqa: ANN001
    pass
