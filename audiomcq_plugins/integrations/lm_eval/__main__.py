"""``python -m audiomcq_plugins.integrations.lm_eval ARGS``: exactly ``lm_eval ARGS`` with the
``audiomcq-hf`` / ``audiomcq-vllm`` models registered. Tasks come only from what ARGS name, e.g.
``--include_path "$(audiomcq task-dir)"`` (``audiomcq eval`` adds that for you)."""

from __future__ import annotations

import sys

from audiomcq_plugins.integrations.lm_eval import register

if __name__ == "__main__":
    register()
    from lm_eval.__main__ import cli_evaluate

    sys.argv[0] = "lm_eval"
    sys.exit(cli_evaluate())
