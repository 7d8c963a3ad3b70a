"""``qunguan import`` into a PostgreSQL database that refuses writes.

Two ways a campus server ends up there: the database is switched to read-only
(``ALTER DATABASE … SET default_transaction_read_only = on``, as during a migration to a new
server or on a hot standby), or qunguan's role may only read (its write grants revoked). Either way the
import stops with one clear Chinese line and a non-zero exit status, and nothing is half
written: the messages, batches and audit log are exactly what they were, and the chain holds.
Runs under ``scripts/with_postgres.py``.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.export import write_generic_csv
from tests.ops.conftest import ON_POSTGRES, Installation, _admin

pytestmark = pytest.mark.skipif(
    not ON_POSTGRES, reason="只读的 PostgreSQL 数据库（scripts/with_postgres.py）"
)

STATE = """
import json
from qunguan.auditlog.models import AuditLogEntry
from qunguan.chats.models import ChatMessage, Finding, ImportBatch
print(json.dumps({
    "messages": ChatMessage.objects.count(),
    "findings": Finding.objects.count(),
    "batches": ImportBatch.objects.count(),
    "log": AuditLogEntry.objects.count(),
}))
"""


def _database(site: Installation) -> str:
    return urllib.parse.urlsplit(site.database_url).path.lstrip("/")


def _state(site: Installation) -> dict[str, int]:
    return dict(json.loads(site.python(STATE)))


@pytest.fixture
def imported(installation: Installation, tmp_path: Path) -> tuple[Installation, Path, dict[str, int]]:
    """An installation holding an earlier import, the export to import next, and the state before."""
    earlier = write_generic_csv(tmp_path / "九月聊天记录.csv", 300, seed=1)
    result = installation.qunguan("import", "--json", str(earlier))
    assert result.returncode == 0, result.stderr
    later = write_generic_csv(tmp_path / "全年聊天记录.csv", 1000, seed=2)
    return installation, later, _state(installation)


@pytest.fixture
def without_write_grants(imported: tuple[Installation, Path, dict[str, int]]) -> Iterator[Installation]:
    """The installation's role with its INSERT, UPDATE and DELETE grants revoked (SELECT kept).

    An owner may revoke its own privileges on its tables; this is the role of a deployment whose
    DBA granted qunguan's user reading only, without needing CREATEROLE on the test server.
    """
    import psycopg

    site = imported[0]
    tables = "ALL TABLES IN SCHEMA public"
    with psycopg.connect(site.database_url, autocommit=True) as conn:
        conn.execute(f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON {tables} FROM CURRENT_USER")
    try:
        yield site
    finally:
        with psycopg.connect(site.database_url, autocommit=True) as conn:
            conn.execute(f"GRANT ALL ON {tables} TO CURRENT_USER")


def test_import_into_a_read_only_postgresql_database_stops_with_one_clear_line_and_writes_nothing(
    imported: tuple[Installation, Path, dict[str, int]],
) -> None:
    site, later, before = imported
    database = _database(site)
    _admin(f'ALTER DATABASE "{database}" SET default_transaction_read_only = on')
    try:
        result = site.qunguan("import", "--json", str(later))
        assert _state(site) == before  # read while still read-only: nothing was written
    finally:
        _admin(f'ALTER DATABASE "{database}" RESET default_transaction_read_only')

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"CommandError: {later}: 数据库只读，无法导入（{database}）。请让数据库管理员解除只读状态后重新导入。"
    ]
    verified = site.qunguan("verify-log")
    assert verified.returncode == 0, verified.stderr
    # Writable again: the same import completes.
    again = site.qunguan("import", "--json", str(later))
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["state"] == "done"
    assert _state(site)["messages"] == 1000  # the later export holds the earlier one's messages too


def test_import_as_a_role_without_write_grants_stops_with_one_line_and_writes_nothing(
    imported: tuple[Installation, Path, dict[str, int]], without_write_grants: Installation
) -> None:
    site, later, before = imported
    result = without_write_grants.qunguan("import", "--json", str(later))

    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"CommandError: {later}: ")
    assert _state(site) == before
    verified = site.qunguan("verify-log")
    assert verified.returncode == 0, verified.stderr


def test_import_as_a_role_without_write_grants_says_so_in_chinese(
    imported: tuple[Installation, Path, dict[str, int]], without_write_grants: Installation
) -> None:
    later = imported[1]
    result = without_write_grants.qunguan("import", "--json", str(later))
    assert result.returncode == 1
    assert "权限" in result.stderr
    assert "permission denied" not in result.stderr
