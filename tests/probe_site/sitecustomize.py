"""Started by every Python process whose ``sys.path`` holds this folder (the multi-process tests
put it on ``PYTHONPATH``, so launchers' children load it too): installs the rank probes of
``tests/rank_probe.py`` when ``AUDIOMCQ_PROBE_DIR`` is set."""

import os

if os.environ.get("AUDIOMCQ_PROBE_DIR"):
    from tests.rank_probe import install

    install()
