# expo: the commands. `make run` and `make test` are all a new machine needs.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
HOST   ?= 127.0.0.1
PORT   ?= 8000
# Fully pinned, hashed locks (`make lock` refreshes them from pyproject.toml).
LOCK      := requirements/runtime.txt
TEST_LOCK := requirements/test.txt
LOCK_TOOLS := build/lock-tools
UV_VERSION := 0.13.9

.PHONY: run test test-fast lint fmt typecheck bench messages vendor lock migration clean help

help:
	@echo "make run      create .venv, install, migrate, load the demo once, serve on http://$(HOST):$(PORT)"
	@echo "              (another port or address: make run PORT=8080 HOST=0.0.0.0)"
	@echo "make test     install test tools and run the whole suite (PostgreSQL too if EXPO_TEST_DATABASE_URL is set)"
	@echo "make lint     ruff check;  make fmt  apply ruff's safe fixes (import order, ...)"
	@echo "make typecheck  mypy on expo/ (must report no errors; CI runs it after the tests)"
	@echo "make bench    run the benchmarks in bench/"
	@echo "make messages list strings that still need an Indonesian translation"
	@echo "make lock     refresh the locks in requirements/ and static/vendor/package-lock.json"
	@echo "              (LOCK_ARGS=--upgrade moves every pin to the newest allowed version)"
	@echo "make migration NAME=what_changed  write a migration for changed models (enums frozen)"

$(PY):
	$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "expo needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)

# The dependencies come from the lock (exact versions, checked hashes), then expo itself.
$(VENV)/.installed: pyproject.toml $(LOCK) | $(PY)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet --require-hashes -r $(LOCK)
	$(PIP) install --quiet --no-deps -e .
	$(PIP) check
	touch $@

$(VENV)/.installed-test: pyproject.toml $(TEST_LOCK) $(VENV)/.installed
	$(PIP) install --quiet --require-hashes -r $(TEST_LOCK)
	$(PIP) check
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

# The scan bench prints the table of issue 17 (expo beside the floor, SQLite and PostgreSQL).
bench: $(VENV)/.installed-test
	@for script in bench/bench_*.py; do echo "== $$script"; \
	  case $$script in bench/bench_scans.py) args=--table;; *) args=;; esac; \
	  $(PY) $$script $$args || exit 1; done

messages: $(VENV)/.installed
	$(PY) -m expo.i18n_tools missing

# Front-end libraries come from the npm registry (exactly static/vendor/package-lock.json) and
# are committed under static/vendor.
vendor:
	cd static/vendor && npm ci --no-audit --no-fund && node copy.mjs

# uv resolves for every platform and Python >= 3.11; the test lock keeps the runtime pins.
# After editing static/vendor/package.json, `make lock vendor` brings in the new versions.
lock:
	test -x $(LOCK_TOOLS)/bin/uv || { $(PYTHON) -m venv $(LOCK_TOOLS) && \
		$(LOCK_TOOLS)/bin/pip install --quiet uv==$(UV_VERSION); }
	$(LOCK_TOOLS)/bin/uv pip compile pyproject.toml --universal --python-version 3.11 \
		--generate-hashes --quiet --custom-compile-command "make lock" $(LOCK_ARGS) -o $(LOCK)
	$(LOCK_TOOLS)/bin/uv pip compile pyproject.toml --extra test --universal \
		--python-version 3.11 --generate-hashes --quiet --custom-compile-command "make lock" \
		$(LOCK_ARGS) -c $(LOCK) -o $(TEST_LOCK)
	cd static/vendor && npm install --package-lock-only --no-audit --no-fund

# A migration for the models' changes, in expo/migrations, with the enums it uses copied in.
migration: $(VENV)/.installed-test
	@test -n "$(NAME)" || { echo "usage: make migration NAME=what_changed"; exit 2; }
	$(VENV)/bin/tortoise makemigrations --name $(NAME)
	$(PY) -m expo.migration_tools freeze

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
