# qunguan — the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export QUNGUAN_DATA_DIR ?= $(CURDIR)/var

.PHONY: install run test lint typecheck test-sqlite test-postgres test-browser eval bench bench-import bench-gateway bench-scale wheels soak fuzz clean

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
POSTGRES_TEST_DIRS := $(wildcard tests/registry tests/web tests/api tests/cli tests/postgres \
	tests/approvals tests/campaigns tests/scheduler tests/notify tests/review tests/ops tests/sso tests/gateway \
	tests/authz tests/uploads tests/unregistered tests/nonebot tests/chats/test_retention.py \
	tests/chats/test_import_storage.py tests/chats/test_import_heartbeat.py tests/faults/test_read_only_postgres.py \
	tests/privacy/test_backup_encryption.py tests/scale)

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

# The QQ gateway as its own process on SQLite, a OneBot peer sending bursts over the reverse
# WebSocket: events stored and lost, time from event to recall (p50/p99).
bench-gateway: install
	$(BIN)/python -m tests.gateway.bench

# A large school (10,000 groups, 50,000 people, SCALE_MESSAGES messages) generated into a fresh
# SQLite database and then PostgreSQL, and the hot pages measured against gunicorn on loopback
# (p50/p95/p99 per page and role; docs/benchmarks.md, "Scale"). `make bench-scale SCALE_MESSAGES=1000000` for a quick run.
# Passes when every page and role answers with p95 < 200 ms with one closed-loop client per role and
# under open-loop load of 10 and 20 requests/s (`bench_web.py --proof`; why: docs/benchmarks.md,
# "10,000,000 messages"); four closed-loop clients per role are printed for information.
SCALE_MESSAGES ?= 10000000
SCALE_DIR ?= $(CURDIR)/var/scale
bench-scale: install
	rm -rf $(SCALE_DIR) && mkdir -p $(SCALE_DIR)
	QUNGUAN_DATA_DIR=$(SCALE_DIR) $(BIN)/python scripts/gen_scale.py --messages $(SCALE_MESSAGES)
	QUNGUAN_DATA_DIR=$(SCALE_DIR) $(BIN)/python scripts/bench_web.py --proof --target-ms 200
	QUNGUAN_DATA_DIR=$(SCALE_DIR)/pg $(BIN)/python scripts/with_postgres.py -- sh -c '$(BIN)/python scripts/gen_scale.py --messages $(SCALE_MESSAGES) && $(BIN)/python scripts/bench_web.py --proof --target-ms 200'

# Every pinned dependency and qunguan itself as wheels in dist/wheels, for an intranet server
# without internet: `pip install --no-index --find-links dist/wheels qunguan` (docs/deploy.md).
wheels: install
	$(BIN)/python scripts/build_wheels.py --dest dist/wheels

# Long proofs kept out of `make test`: the OpenAPI document with many generated requests per operation.
soak: install
	QUNGUAN_SCHEMATHESIS_EXAMPLES=200 $(PYTEST) tests/api/test_openapi_schemathesis.py -p no:warnings
	QUNGUAN_FAULT_KILLS=20 QUNGUAN_FAULT_MESSAGES=20000 $(PYTEST) tests/faults/test_import_killed.py -p no:warnings

# Coverage-guided fuzzing (atheris) of every chat-export reader and the audit engine, FUZZ_SECONDS
# each (default 30); crashing inputs land in var/fuzz/. Needs the fuzz extra, not part of `make test`.
FUZZ_SECONDS ?= 30
fuzz: install
	$(BIN)/pip install -q -e '.[fuzz]'
	$(BIN)/python scripts/fuzz/run.py --seconds $(FUZZ_SECONDS)

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
