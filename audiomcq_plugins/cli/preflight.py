"""Checks ``audiomcq eval`` runs before lm-eval loads anything: a model path that does not
exist, and benchmark data that cannot be found, are reported in one line before the model
(which can take minutes) is loaded."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

from audiomcq_plugins.cli import CLIError


def _option(argv: Sequence[str], flag: str) -> str | None:
    """The value of ``flag VALUE`` or ``flag=VALUE`` in ``argv`` (the last one wins)."""
    value = None
    for i, arg in enumerate(argv):
        if arg == flag and i + 1 < len(argv):
            value = argv[i + 1]
        elif arg.startswith(flag + "="):
            value = arg[len(flag) + 1 :]
    return value


def _looks_like_path(name: str) -> bool:
    """A local path rather than a Hub id (``org/name``): absolute, relative with ``./``,
    ``~``, or more than one ``/``."""
    return (
        name.startswith(("/", ".", "~")) or name.count("/") > 1 or os.sep != "/" and os.sep in name
    )


def check_model_path(argv: Sequence[str]) -> None:
    """Refuse ``pretrained=PATH`` naming a local path that does not exist."""
    model_args = _option(argv, "--model_args") or ""
    for pair in model_args.split(","):
        key, _, value = pair.partition("=")
        if key.strip() == "pretrained" and _looks_like_path(value.strip()):
            path = Path(value.strip()).expanduser()
            if not path.exists():
                raise CLIError(
                    f"--model_args pretrained={value.strip()}: no such directory; pass a "
                    "checkpoint directory (e.g. from `audiomcq tiny-model`) or a Hub id "
                    "(org/name)"
                )


def check_model_args(argv: Sequence[str]) -> None:
    """Refuse a ``--model_args`` key that our ``--model`` does not take (with the closest one)."""
    from audiomcq_plugins.flags import reject_unknown
    from audiomcq_plugins.integrations.lm_eval.model_args import known_arguments

    model = _option(argv, "--model") or ""
    known = known_arguments(model)
    if known is None:
        return
    pairs = (_option(argv, "--model_args") or "").split(",")
    keys = [pair.partition("=")[0].strip() for pair in pairs if pair.strip()]
    reject_unknown(f"--model {model} --model_args", keys, known)


def check_task_data(argv: Sequence[str], data_dir: str | None) -> None:
    """Refuse tasks whose benchmark data cannot be found locally when the Hub is not an
    option (offline, or no Hub copy)."""
    from audiomcq_plugins.benchmarks.locate import DataNotFoundError, _hub_allowed
    from audiomcq_plugins.benchmarks.spec import BenchmarkSpec, get_spec
    from audiomcq_plugins.tasks import groups, task_defs

    names = [t.strip() for t in (_option(argv, "--tasks") or "").split(",") if t.strip()]
    by_name = {t.name: t for t in task_defs()}
    members = groups()
    benchmarks: dict[str, None] = {}
    for name in names:
        for task in members.get(name, [name]):
            if task in by_name:
                benchmarks[by_name[task].benchmark] = None
    metadata = _metadata(argv)
    data_dir = data_dir or metadata.get("data_dir")
    sources = metadata.get("sources") or {}
    for bench in benchmarks:
        spec = get_spec(bench)
        if spec.hub_id and _hub_allowed(None):
            continue  # lm-eval's loader may still download it
        if type(spec).load is not BenchmarkSpec.load or bench in sources:
            continue  # makes its own data (the synthetic suite), or is given a source
        try:
            spec.locate(data_dir=data_dir, hub=False)
        except DataNotFoundError as exc:
            raise CLIError(str(exc)) from None


def _metadata(argv: Sequence[str]) -> dict:
    """lm-eval's ``--metadata`` JSON (an unreadable one is left for lm-eval to report)."""
    try:
        value = json.loads(_option(argv, "--metadata") or "{}")
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


#: lm-eval passes these to every model from its own flags, with defaults (``--device`` is
#: ``cuda:0``), so the same key in ``--model_args`` alone collides ("got multiple values").
HARNESS_FLAGS = ("device", "batch_size", "max_batch_size")


def move_harness_args(argv: Sequence[str]) -> list[str]:
    """``--model_args ...,device=cpu`` without ``--device`` -> ``--device cpu`` (and so for
    ``batch_size`` / ``max_batch_size``), as a user of the model would expect; the same key in
    both places with different values is an error naming both."""
    import re

    argv = list(argv)
    model_args = _option(argv, "--model_args")
    if not model_args:
        return argv
    kept = model_args
    for key in HARNESS_FLAGS:
        match = re.search(rf"(?:^|,)\s*{key}=([^,]*)", kept)
        if match is None:
            continue
        value, flag = match.group(1).strip(), f"--{key}"
        given = _option(argv, flag)
        if given is not None and given != value:
            raise CLIError(
                f"{key} given twice: --model_args {key}={value} and {flag} {given}; keep one"
            )
        kept = (kept[: match.start()] + kept[match.end() :]).strip(",")
        if given is None:
            argv += [flag, value]
    return [kept if a == model_args else a for a in argv] if kept != model_args else argv
