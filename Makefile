# Two commands: `make run` (set up and start in sandbox mode) and `make test` (lint + every test).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test lint worker bench browsers

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

run: $(VENV)/.installed  ## migrate and serve on :$${PORT:-8000} with the sender and scheduler in-process
	$(BIN)/python webhook.py

worker: $(VENV)/.installed
	$(BIN)/flask --app webhook worker

lint: $(VENV)/.installed  ## ruff, and the import contracts of pyproject.toml (no circles, no upward imports)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

test: lint  ## SQLite always; PostgreSQL too when TEST_DATABASE_URL is set
	env -u TEST_DATABASE_URL $(BIN)/pytest
	@if [ -n "$$TEST_DATABASE_URL" ]; then echo "== again on PostgreSQL =="; $(BIN)/pytest; fi

browsers:  ## Debian's Chromium and a Thai font for the browser tests (apt-get; CI runs it too)
	.ci/setup

bench: $(VENV)/.installed
	$(BIN)/python -m bench.run
