# The README's commands. Each creates (or reuses) the local virtualenv .venv and installs what
# it needs: CPU torch first (an unpinned torch would pull a multi-GB CUDA build), then the rest.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
TORCH  ?= torch==2.13.0
STAMP  := $(VENV)/.installed-dev
# lmms-eval's own environment (docs/lmms_eval.md): lmms-eval requires torchvision, and the only
# torchvision wheels pip finds for the CPU torch above are CUDA-linked builds that fail to load
# beside it (and break transformers' processors); torch 2.14.1 + torchvision 0.29.1 are a
# matching pair (CUDA builds, which run on the CPU too).
LMMS_VENV  := .venv-lmms
LMMS_BIN   := $(LMMS_VENV)/bin
LMMS_STAMP := $(LMMS_VENV)/.installed-dev
LMMS_TORCH ?= torch==2.14.1 torchvision==0.29.1

.PHONY: venv venv-lmms test test-fast lint format demo smoke-train clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet "$(TORCH)"
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

venv: $(STAMP)

$(LMMS_STAMP): pyproject.toml
	$(PYTHON) -m venv $(LMMS_VENV)
	$(LMMS_BIN)/python -m pip install --quiet --upgrade pip
	$(LMMS_BIN)/pip install --quiet $(LMMS_TORCH)
	printf '%s\n' $(LMMS_TORCH) > $(LMMS_VENV)/constraints.txt
	$(LMMS_BIN)/pip install --quiet -c $(LMMS_VENV)/constraints.txt -e ".[dev-lmms-eval]"
	touch $@

venv-lmms: $(LMMS_STAMP)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Everything, in a random order: pytest-randomly prints its seed, `--randomly-seed=N` repeats
# an order, `-p no:randomly` keeps file order, `--reverse` (pytest-reverse) reverses it. A test
# past its time limit (pyproject.toml) fails with every thread's stack.
test: venv lint venv-lmms
	$(BIN)/python -m pytest -q -n 2 --dist loadgroup --durations=15 --ignore=tests/lmms
	$(LMMS_BIN)/python -m pytest -q --durations=5 tests/lmms

# The inner loop: no end-to-end or multi-process tests.
test-fast: venv
	$(BIN)/python -m pytest -q -n 2 --dist loadgroup -m "not slow and not multiprocess"

demo: venv
	$(BIN)/python -m audiomcq_plugins.workflows.demo

# Tiny model + synthetic suite under runs/tiny, then `trl sft` and `trl grpo` (trl_recipes/tiny)
smoke-train: venv
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python scripts/proof_of_learning.py --json runs/tiny/results.json

clean:
	rm -rf $(VENV) $(LMMS_VENV) .pytest_cache .ruff_cache .hypothesis
