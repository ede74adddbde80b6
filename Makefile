# The executable documentation of the workflow. `make run` and `make test` work on a fresh clone.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
CURATOR := $(VENV)/bin/curator
PYTEST_ARGS ?=

.PHONY: run test setup lint typecheck pytest bench fmt clean

run: setup
	$(CURATOR) db upgrade
	$(CURATOR) fetch

test: setup lint typecheck pytest

setup: $(VENV)/.synced

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv==$(UV_VERSION)

# Re-sync whenever the lock or the project metadata changes. Bytecode is compiled once
# here: with PYTHONDONTWRITEBYTECODE=1 (common in containers) every command would
# otherwise compile ~700 modules at each start (bench/cli_startup.py).
$(VENV)/.synced: $(UV) uv.lock pyproject.toml
	$(UV) sync --locked --compile-bytecode --python $(PYTHON)
	touch $@

lint: setup
	$(VENV)/bin/ruff check curator tests bench
	$(VENV)/bin/ruff format --check curator tests bench
	$(VENV)/bin/lint-imports

typecheck: setup
	$(VENV)/bin/mypy

pytest: setup
	$(VENV)/bin/pytest $(PYTEST_ARGS)

fmt: setup
	$(VENV)/bin/ruff format curator tests bench
	$(VENV)/bin/ruff check --fix curator tests bench

bench: setup
	$(UV) sync --locked --compile-bytecode --group bench
	$(VENV)/bin/python bench/fetch_farm.py
	rm -f $(VENV)/.synced

clean:
	rm -rf $(VENV) $(TOOLS) .mypy_cache .pytest_cache .ruff_cache
