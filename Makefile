# qunguan — the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export QUNGUAN_DATA_DIR ?= $(CURDIR)/var

.PHONY: install run test lint typecheck test-sqlite test-postgres test-browser eval bench bench-import clean

install: $(STAMP)

# Reinstall only when the package metadata changed: `make install` is quick otherwise.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: install
	$(BIN)/qunguan migrate
	$(BIN)/qunguan demo --if-empty
	$(BIN)/qunguan serve --host 127.0.0.1 --port 8000

lint: install
	$(BIN)/ruff check qunguan tests scripts
	$(BIN)/ruff format --check qunguan tests scripts
	$(BIN)/mypy qunguan
	$(BIN)/python -m django makemigrations --check --dry-run --settings=qunguan.settings

# pytest's exit code 5 ("no tests collected") counts as success for a sub-suite: scripts/pytest_ok5.sh.
PYTEST := bash scripts/pytest_ok5.sh $(BIN)/python -m pytest
# The suites that also run on PostgreSQL; $(wildcard) drops folders that do not exist (yet).
POSTGRES_TEST_DIRS := $(wildcard tests/registry tests/web tests/api tests/cli tests/postgres)

test-sqlite: install
	$(PYTEST) -m "not browser and not postgres" -n 2

test-postgres: install
	$(BIN)/python scripts/with_postgres.py -- $(PYTEST) -m "not browser" -n 2 $(POSTGRES_TEST_DIRS)

test-browser: install
	$(BIN)/python scripts/ensure_chromium.py
	$(PYTEST) -m browser

test: lint test-sqlite test-postgres test-browser

eval: install
	$(BIN)/python scripts/eval_audit.py
	$(BIN)/python scripts/eval_models.py

bench: install
	$(BIN)/python scripts/bench_audit.py
	$(BIN)/python scripts/bench_audit.py --models
	$(BIN)/python scripts/bench_audit.py --lexicon-terms 50000

# Chat imports end to end (read, store, audit) into a fresh SQLite database, then PostgreSQL.
bench-import: install
	$(BIN)/python scripts/bench_import.py
	$(BIN)/python scripts/with_postgres.py -- $(BIN)/python scripts/bench_import.py --database-url "$$DATABASE_URL"

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
