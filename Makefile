# The two commands of the README:
#   make generate   set up Python and write generated/ for the bundled inventory
#   make test       set up everything (Debian packages included) and run the whole test suite
VENV := .venv
MAC := $(VENV)/bin/mac
PYTEST := $(VENV)/bin/pytest

.PHONY: setup setup-all generate check lint test typecheck bench

setup:
	@scripts/setup.sh python

setup-all:
	@scripts/setup.sh all

generate: setup
	$(MAC) generate

check: setup
	$(MAC) generate --check

lint: setup
	$(MAC) lint
	$(VENV)/bin/ruff check monitoring cli dashboards tests benchmarks scripts
	$(VENV)/bin/mypy

test: setup-all
	$(VENV)/bin/ruff check monitoring cli dashboards tests benchmarks scripts
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(PYTEST) -q

bench: setup-all
	$(VENV)/bin/python benchmarks/run.py
