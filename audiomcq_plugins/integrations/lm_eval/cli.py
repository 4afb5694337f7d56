"""``audiomcq eval``: lm-eval's own command line with our tasks and models added.

Every lm-eval argument passes through unchanged; our task directory is added to whatever
``--include_path`` the user gives (lm-eval takes only one) and our model classes are
registered. ``--data-dir DIR`` sets ``$AUDIOMCQ_DATA_DIR``. When every ``--tasks`` name is
ours, lm-eval's built-in tasks are not indexed; otherwise their index comes from a cache
(:mod:`.task_index`). The patches are installed when the command runs, on a tested lm-eval only
(:mod:`.compat`).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from audiomcq_plugins.benchmarks.spec import ENV_VAR
from audiomcq_plugins.integrations.lm_eval import TASK_DIR, register, task_dir
from audiomcq_plugins.models.api_client import APIError

#: What the patched ``TaskManager.__init__`` indexes (set by each :func:`_add_task_dir` call).
_INDEX = {"builtins": True}


def _add_task_dir(builtins: bool = True) -> None:
    """Make every lm-eval ``TaskManager`` in this process index our task directory too (the
    one with plugin tasks when plugins add any; a user's own copy of ours is not indexed twice),
    and lm-eval's built-in tasks only when ``builtins``."""
    from lm_eval.tasks import TaskManager

    from audiomcq_plugins.integrations.lm_eval.compat import require_tested_lm_eval

    require_tested_lm_eval("`audiomcq eval` task directory")

    _INDEX["builtins"] = builtins
    init = TaskManager.__init__
    if getattr(init, "_audiomcq", False):
        return
    ours = task_dir()

    def patched(
        self: Any,
        verbosity: Any = None,
        include_path: Any = None,
        include_defaults: bool = True,
        metadata: Any = None,
    ) -> None:
        paths = include_path if isinstance(include_path, list) else [include_path]
        paths = [p for p in paths if p and Path(p).resolve() not in (TASK_DIR, ours.resolve())]
        paths.insert(0, str(ours))
        return init(self, verbosity, paths, include_defaults and _INDEX["builtins"], metadata)

    patched._audiomcq = True  # type: ignore[attr-defined]
    TaskManager.__init__ = patched


def run_lm_eval(argv: Sequence[str], *, data_dir: str | None = None) -> int:
    """Run lm-eval's CLI (``lm_eval ARGV``) with our tasks and models available; with
    ``--log_samples``, tasks scored online (MMAU test) get their submission file
    (:func:`.submission.write_after_run`)."""
    if data_dir:
        os.environ[ENV_VAR] = str(Path(data_dir).expanduser().resolve())
    from audiomcq_plugins.integrations.lm_eval import task_index

    register()
    fast = not task_index.full_index()
    builtins = not (fast and task_index.only_ours(task_index.requested_tasks(argv)))
    _add_task_dir(builtins)
    if fast and builtins:
        task_index.install_cache()
    from lm_eval.__main__ import cli_evaluate

    from audiomcq_plugins.integrations.lm_eval.submission import write_after_run

    saved, started = sys.argv, time.time()
    sys.argv = ["lm_eval", *argv]
    try:
        cli_evaluate()
    except APIError as exc:  # a server's final answer or a missing key: no traceback
        print(f"audiomcq eval: {exc}", file=sys.stderr)
        return 1
    except SystemExit as exc:
        code = int(exc.code or 0) if not isinstance(exc.code, str) else 1
        if code:
            return code
    finally:
        sys.argv = saved
    write_after_run(argv, started)
    return 0
