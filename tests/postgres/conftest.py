"""Tests in tests/postgres need the real PostgreSQL server (``make test-postgres`` starts one).

Without ``DATABASE_URL=postgres://...`` they fail under CI=true and skip elsewhere.
"""

from __future__ import annotations

import os

import pytest


def _ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes", "on"}


@pytest.fixture(autouse=True)
def _require_postgres() -> None:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://", "pgsql://")):
        return
    msg = "DATABASE_URL is not a postgres:// URL: run under `python scripts/with_postgres.py -- ...`"
    if _ci():
        pytest.fail(f"CI=true: PostgreSQL tests are required, but {msg}", pytrace=False)
    pytest.skip(msg)
