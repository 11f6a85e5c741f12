# JointCredit — two commands on a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 8000

.PHONY: run test test-fast bench lint install worker clean system-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml requirements.lock
	$(BIN)/pip install --quiet -c requirements.lock -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# System packages for PDF fonts and browser tests (Debian; skipped when already present).
system-deps:
	@bash scripts/system-deps.sh

run: $(STAMP)
	@bash scripts/run.sh $(PORT)

test: $(STAMP)
	$(BIN)/pytest -n 2 --dist loadgroup

test-fast: $(STAMP)
	$(BIN)/pytest -x -q -m "not browser"

# make bench                        every benchmark; make bench BENCH="subjects check": those only
bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH)

# What CI runs before the tests (and .pre-commit-config.yaml runs on commit): formatting, lint with
# the line length enforced, types (mypy + django-stubs), layers (import-linter), no missing migration.
lint: $(STAMP)
	$(BIN)/ruff format --check src tests bench
	$(BIN)/ruff check src tests bench
	JOINTCREDIT_TESTING=1 $(BIN)/mypy
	$(BIN)/lint-imports
	JOINTCREDIT_TESTING=1 $(BIN)/python manage.py makemigrations --check --dry-run

worker: $(STAMP)
	$(BIN)/jointcredit worker

clean:
	rm -rf $(VENV) var staticfiles
