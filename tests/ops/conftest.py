"""An installation of qunguan for the operations specs: a data directory and its own database.

The database is SQLite in the data directory, or, when the suite runs with
``DATABASE_URL=postgres://…`` (``scripts/with_postgres.py``), a PostgreSQL database of its own on
that server, so that backup and restore are proven on both engines. A migrated template is made
once per session and copied for each test (a file copy, or ``CREATE DATABASE … TEMPLATE``).
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

POSTGRES_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = POSTGRES_URL.startswith(("postgres://", "postgresql://"))


def _with_database(url: str, name: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(sql)


@dataclass
class Installation:
    data_dir: Path
    database_url: str  # empty: SQLite in the data directory

    @property
    def uploads(self) -> Path:
        return self.data_dir / "uploads"

    def env(self) -> dict[str, str]:
        base = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("QUNGUAN_", "DATABASE_URL", "SECRET_KEY", "DJANGO_SETTINGS_MODULE"))
        }
        base.update({"QUNGUAN_DATA_DIR": str(self.data_dir), "SECRET_KEY": "ops-spec-" + "k" * 50})
        if self.database_url:
            base["DATABASE_URL"] = self.database_url
        return base

    def qunguan(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "qunguan", *args],
            env=self.env(),
            input=stdin,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    def python(self, code: str) -> str:
        """Run ``code`` with Django set up against this installation; return what it printed."""
        prelude = (
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='qunguan.settings'; django.setup()\n"
        )
        result = subprocess.run(
            [sys.executable, "-c", prelude + code],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout


@pytest.fixture(scope="session")
def _template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installation]:
    data_dir = tmp_path_factory.mktemp("ops-template")
    name = f"qunguan_ops_tpl_{secrets.token_hex(4)}"
    url = ""
    if ON_POSTGRES:
        _admin(f'CREATE DATABASE "{name}"')
        url = _with_database(POSTGRES_URL, name)
    template = Installation(data_dir, url)
    result = template.qunguan("upgrade")
    assert result.returncode == 0, result.stderr
    try:
        yield template
    finally:
        if ON_POSTGRES:
            _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def copy_of(template: Installation, data_dir: Path) -> Iterator[Installation]:
    """A migrated installation of its own: the template's data directory and database, copied."""
    shutil.copytree(template.data_dir, data_dir)
    if not ON_POSTGRES:
        yield Installation(data_dir, "")
        return
    name = f"qunguan_ops_{secrets.token_hex(4)}"
    _admin(f'CREATE DATABASE "{name}" TEMPLATE "{template.database_url.rsplit("/", 1)[1]}"')
    try:
        yield Installation(data_dir, _with_database(POSTGRES_URL, name))
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def installation(_template: Installation, tmp_path: Path) -> Iterator[Installation]:
    with copy_of(_template, tmp_path / "data") as site:
        yield site
