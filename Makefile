# expo: the commands. `make run` and `make test` are all a new machine needs.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test test-fast lint fmt typecheck bench messages vendor clean help

help:
	@echo "make run      create .venv, install, migrate, load the demo once, serve on http://$(HOST):$(PORT)"
	@echo "make test     install test tools and run the whole suite (PostgreSQL too if EXPO_TEST_DATABASE_URL is set)"
	@echo "make lint     ruff check;  make fmt  apply ruff's safe fixes (import order, ...)"
	@echo "make typecheck  mypy on expo/ (must report no errors; CI runs it after the tests)"
	@echo "make bench    run the benchmarks in bench/"
	@echo "make messages list strings that still need an Indonesian translation"

$(PY):
	$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "expo needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(PIP) install --quiet -e '.[test]'
	touch $@

run: $(VENV)/.installed
	$(PY) main.py serve --demo --host $(HOST) --port $(PORT)

# Two workers (the suite is written for it: every test has its own database); browser
# journeys run last in each worker.
test: $(VENV)/.installed-test
	$(PY) -m pytest -n 2 $(PYTEST_ARGS)

test-fast: $(VENV)/.installed-test
	$(PY) -m pytest -m "not browser" -x $(PYTEST_ARGS)

# Layout is by hand within 100 columns (ruff format's layout is not the house style): the
# linter enforces line length, imports, bugbear and security rules.
lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .

fmt: $(VENV)/.installed-test
	$(VENV)/bin/ruff check --fix .

typecheck: $(VENV)/.installed-test
	$(VENV)/bin/mypy expo

bench: $(VENV)/.installed-test
	@for script in bench/bench_*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

messages: $(VENV)/.installed
	$(PY) -m expo.i18n_tools missing

# Front-end libraries come from the npm registry and are committed under static/vendor.
vendor:
	cd static/vendor && npm install --no-audit --no-fund && node copy.mjs

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
