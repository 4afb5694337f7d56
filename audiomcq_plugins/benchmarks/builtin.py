"""Placeholder: filled in by its owner."""

from audiomcq_plugins import hookimpl  # noqa: F401
