"""Copying the rows a fixture's domain actions wrote, so that the next test gets them in a few statements.

The fixed cast (tests/conftest.py) is built through the domain actions: about 170 queries with
their checks and audit-log entries, a tenth of a second per test, for two thousand tests. The
rows those actions write are the same every time, so each process builds the cast through the
actions once, notes every row that appeared (``RowSnapshot.take``) and gives later tests the
same rows again with one INSERT per table (``RowSnapshot.replay``): the same ids, audit chain,
password hashes and timestamps as a build of its own, in a few milliseconds.

A snapshot is only replayed where that is exactly what the actions would have done:

- every table it writes is empty (a test that made rows of its own first builds through the
  actions instead), and the build changed no row that was there before it (else no snapshot);
- the settings and language are those it was taken under (a test that changes a setting the
  actions read gets a build of its own);
- it is younger than ``MAX_AGE_S`` and from today, so that times the actions stamp (created,
  date_joined) stay as near to the test as a build of its own would have been.

On PostgreSQL the identity sequences are set past the copied ids afterwards, as after a build.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.color import no_style
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation

MAX_AGE_S = 60.0


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _tables() -> list[str]:
    return sorted(connection.introspection.table_names(include_views=False))


def _read(table: str) -> tuple[list[str], list[Any]]:
    """Return the table's column names and rows: tuples on SQLite, JSON objects on PostgreSQL."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SELECT json_agg(t)::text FROM {_quote(table)} t")  # noqa: S608 (a table name)
            text = cursor.fetchone()[0]
            return [], json.loads(text) if text else []
        cursor.execute(f"SELECT * FROM {_quote(table)}")  # noqa: S608 (a table name)
        return [c[0] for c in cursor.description], cursor.fetchall()


def _key(row: Any) -> Any:
    return json.dumps(row, sort_keys=True) if isinstance(row, dict) else row


def _state() -> dict[str, tuple[list[str], list[Any]]]:
    return {table: _read(table) for table in _tables()}


# Settings that differ in every test and that the copied rows do not depend on: each test has
# its own upload folder, and ``take`` refuses a build that stored a file there.
PER_TEST_SETTINGS = frozenset({"MEDIA_ROOT"})


def settings_fingerprint() -> str:
    """A digest of every setting and the active language: what the actions may read."""
    values = []
    for name in sorted(n for n in dir(settings) if n.isupper() and n not in PER_TEST_SETTINGS):
        values.append(f"{name}={getattr(settings, name)!r}")
    values.append(f"language={translation.get_language()}")
    return hashlib.sha256("\n".join(values).encode()).hexdigest()


@dataclass
class RowSnapshot:
    """The rows one build wrote, per table, and when and under which settings it ran."""

    tables: dict[str, tuple[list[str], list[Any]]]
    fingerprint: str
    taken_at: float
    day: dt.date

    @classmethod
    def take(cls, build: Callable[[], Any], fingerprint: str) -> tuple[Any, RowSnapshot | None]:
        """Run ``build`` and return its result with the rows it added, or None if it changed old rows.

        ``fingerprint`` is ``settings_fingerprint()`` as the build starts.
        """
        day = timezone.localdate()
        before = _state()
        media = Path(settings.MEDIA_ROOT)
        files_before = set(media.rglob("*")) if media.is_dir() else set()
        result = build()
        after = _state()
        if (set(media.rglob("*")) if media.is_dir() else set()) != files_before:
            return result, None  # the rows name files in this test's folder only
        tables: dict[str, tuple[list[str], list[Any]]] = {}
        for table, (columns, rows) in after.items():
            old = {_key(r) for r in before.get(table, ([], []))[1]}
            new = {_key(r) for r in rows}
            if old - new:  # a row that was there before was changed or deleted: not a plain copy
                return result, None
            added = [r for r in rows if _key(r) not in old]
            if added:
                tables[table] = (columns, added)
        return result, cls(tables, fingerprint, time.monotonic(), day)

    def fresh(self, fingerprint: str) -> bool:
        """Whether replaying now, under settings ``fingerprint``, gives what a build would."""
        return (
            time.monotonic() - self.taken_at < MAX_AGE_S
            and self.day == timezone.localdate()
            and self.fingerprint == fingerprint
        )

    def replay(self) -> bool:
        """Insert the rows again; return False (having written nothing) where a table is not empty."""
        names = list(self.tables)
        counts = " + ".join(f"(SELECT COUNT(*) FROM {_quote(t)})" for t in names)  # noqa: S608 (table names)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {counts}")
            if cursor.fetchone()[0]:
                return False
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                for table, (columns, rows) in self.tables.items():
                    if connection.vendor == "postgresql":
                        cursor.execute(
                            f"INSERT INTO {_quote(table)} "  # noqa: S608 (a table name)
                            f"SELECT * FROM json_populate_recordset(NULL::{_quote(table)}, %s::json)",
                            [json.dumps(rows)],
                        )
                    else:
                        marks = ", ".join(["%s"] * len(columns))
                        cursor.executemany(
                            f"INSERT INTO {_quote(table)} ({', '.join(map(_quote, columns))}) "  # noqa: S608
                            f"VALUES ({marks})",
                            rows,
                        )
                self._reset_sequences(cursor)
        except IntegrityError:
            return False
        return True

    def _reset_sequences(self, cursor: Any) -> None:
        models = [m for m in apps.get_models(include_auto_created=True) if m._meta.db_table in self.tables]
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)
