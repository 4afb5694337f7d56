"""``python -m audiomcq_plugins.integrations.lighteval ARGS``: lighteval's command line with
our fixes and tasks (see :mod:`.cli`)."""

import sys

from audiomcq_plugins.integrations.lighteval.cli import run_lighteval

sys.exit(run_lighteval(sys.argv[1:]))
