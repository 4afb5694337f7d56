import sys

from audiomcq_plugins.cli import main

sys.exit(main())
