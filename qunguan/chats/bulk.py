"""Batch inserts of chat messages and findings in plain SQL, for the import's hot path.

An import stores up to a million messages; building a model instance per message and letting
``bulk_create`` compile it costs more than reading and auditing the message together. Here rows
are tuples, written through the Django connection with multi-row ``INSERT … VALUES`` statements
(one statement per few hundred rows, on SQLite and PostgreSQL alike):

* messages use ``ON CONFLICT (fingerprint) DO NOTHING``: a message stored before (a re-run, an
  overlapping export, another import at the same moment) is skipped by the database itself, and
  the caller learns the id of each message that is new — on PostgreSQL through ``RETURNING``
  (after a COPY into a load table), on SQLite from the statement's row count and last rowid
  (``_SqliteMessages``), with the columns a run of rows shares bound once per statement;
* findings are plain inserts (the bot gateway, which needs them as model instances, stores its
  few with ``bulk_create``).

Columns the import does not fill (fields added later, such as ``purged_at``) get their model
default, so a new nullable or defaulted field needs no change here. The caller runs these inside
its transaction: a batch is stored whole or not at all.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from collections.abc import Iterator, Sequence
from typing import Any

from django.db import models
from django.utils import timezone

from qunguan.chats.models import ChatMessage, Finding

# What the import fills, in the order of each row tuple.
MESSAGE_FIELDS = (
    "group_id",
    "platform",
    "group_account",
    "group_name",
    "fingerprint",
    "message_id",
    "sender_id",
    "sender_name",
    "sent_at",
    "kind",
    "text",
    "recalled",
    "batch_id",
)
FINDING_FIELDS = (
    "message_id",
    "group_id",
    "category",
    "rule",
    "severity",
    "start",
    "end",
    "evidence",
    "score",
    "explanation",
    "sent_at",  # the message's time (aware); adapted for the backend by ``insert_findings``
)
# Bound parameters per statement: under SQLite's 32,766 and PostgreSQL's 65,535, and small
# enough that one statement's text and parameter list stay a few hundred kilobytes.
MAX_PARAMS = 8000


class _Insert:
    """One table's INSERT: the given columns, the defaults of the others, the SQL per row count."""

    def __init__(
        self,
        connection: Any,
        model: type[models.Model],
        given: Sequence[str],
        *,
        conflict: str | None = None,
        returning: Sequence[str] = (),
    ) -> None:
        qn = connection.ops.quote_name
        by_attname = {f.attname: f for f in model._meta.concrete_fields}
        columns = [by_attname[name].column for name in given]
        self._defaults: list[models.Field[Any, Any]] = []
        for f in model._meta.concrete_fields:
            if f.primary_key or f.attname in given:
                continue
            columns.append(f.column)
            self._defaults.append(f)
        self.width = len(columns)
        self.rows_per_statement = max(1, MAX_PARAMS // self.width)
        # On SQLite the statement goes to the sqlite3 cursor itself, with its own "?" marks:
        # Django's cursor would rewrite every "%s" of a statement of thousands of them with a
        # regular expression on each call, a cost of several microseconds a row.
        self._raw = connection.vendor == "sqlite"
        mark = "?" if self._raw else "%s"
        # Table and column names come from the model, quoted by the backend; values are parameters.
        table = qn(model._meta.db_table)
        self._head = f"INSERT INTO {table} ({', '.join(qn(c) for c in columns)}) VALUES "  # noqa: S608
        self._row = "(" + ", ".join([mark] * self.width) + ")"
        tail = ""
        if conflict is not None:
            tail += f" ON CONFLICT ({qn(by_attname[conflict].column)}) DO NOTHING"
        if returning:
            tail += " RETURNING " + ", ".join(qn(by_attname[name].column) for name in returning)
        self._tail = tail
        self.returns = bool(returning)

        self._sql_by_rows: dict[int, str] = {}

    def _extra(self, connection: Any) -> tuple[Any, ...]:
        """Return the prepared defaults of the columns the caller does not fill (now for auto_now_add)."""
        now = timezone.now()
        values = []
        for f in self._defaults:
            value = (
                now if getattr(f, "auto_now_add", False) or getattr(f, "auto_now", False) else f.get_default()
            )
            values.append(f.get_db_prep_save(value, connection))
        return tuple(values)

    def _sql(self, rows: int) -> str:
        sql = self._sql_by_rows.get(rows)
        if sql is None:
            sql = self._sql_by_rows[rows] = self._head + ", ".join([self._row] * rows) + self._tail
        return sql

    def run(self, connection: Any, rows: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """Insert ``rows``; return what RETURNING gave (empty when nothing is returned)."""
        out: list[tuple[Any, ...]] = []
        if not rows:
            return out
        extra = self._extra(connection)
        step = self.rows_per_statement
        if self._raw:
            connection.ensure_connection()
            # Errors still reach the caller as Django's (DatabaseError …), as from any cursor.
            with connection.wrap_database_errors:
                cursor = connection.connection.cursor()
                try:
                    self._execute(cursor, rows, extra, step, out)
                finally:
                    cursor.close()
            return out
        with connection.cursor() as cursor:
            self._execute(cursor, rows, extra, step, out)
        return out

    def _execute(
        self,
        cursor: Any,
        rows: Sequence[tuple[Any, ...]],
        extra: tuple[Any, ...],
        step: int,
        out: list[tuple[Any, ...]],
    ) -> None:
        for at in range(0, len(rows), step):
            chunk = rows[at : at + step]
            params: list[Any] = []
            if extra:
                for row in chunk:
                    params.extend(row)
                    params.extend(extra)
            else:
                for row in chunk:
                    params.extend(row)
            cursor.execute(self._sql(len(chunk)), params)
            if self.returns:
                out.extend(cursor.fetchall())


# SQLite settings of the connection while an import runs (then put back). Neither touches
# durability — ``synchronous`` stays as the settings make it (NORMAL under WAL): a larger page
# cache keeps the message indexes in memory (at a million messages they outgrow the default
# 2 MB cache; an export whose times fall among stored messages writes in the middle of the
# fingerprint index), and checkpointing the WAL every 256 MB instead of every 4 MB copies the
# same pages into the database file less often (consecutive transactions rewrite the same
# index and table pages at the end of each). The WAL file grows to that size during an
# import and is emptied and cut back after it (``wal_checkpoint(TRUNCATE)``).
IMPORT_PRAGMAS = {"cache_size": -65536, "wal_autocheckpoint": 65536}


@contextlib.contextmanager
def import_session(connection: Any) -> Iterator[None]:
    """Tune ``connection`` for a long run of batch inserts while the block runs (SQLite only)."""
    if connection.vendor != "sqlite":
        yield
        return
    connection.ensure_connection()
    raw = connection.connection
    before = {name: raw.execute(f"PRAGMA {name}").fetchone()[0] for name in IMPORT_PRAGMAS}
    for name, value in IMPORT_PRAGMAS.items():
        raw.execute(f"PRAGMA {name} = {int(value)}")
    try:
        yield
    finally:
        # Not when the connection was closed meanwhile, and never hiding the import's own error.
        if connection.connection is raw:
            with contextlib.suppress(sqlite3.Error):
                for name, value in before.items():
                    raw.execute(f"PRAGMA {name} = {int(value)}")
                # Copy what the import left in the WAL into the database and cut the file back
                # to nothing, rather than leave hundreds of MB of it on disk. Outside a
                # transaction only; a reader still in the WAL makes it wait (the busy timeout)
                # and then give up, harmlessly: the file then keeps its size until the last
                # connection closes (SQLite removes it then) or the next import ends.
                if not raw.in_transaction:
                    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()


_PLANS: dict[str, tuple[_Insert, _Insert]] = {}


def _plans(connection: Any) -> tuple[_Insert, _Insert]:
    """Return the two statements for ``connection``'s backend (built once per backend)."""
    plans = _PLANS.get(connection.vendor)
    if plans is None:
        plans = _PLANS[connection.vendor] = (
            _Insert(
                connection,
                ChatMessage,
                MESSAGE_FIELDS,
                conflict="fingerprint",
                returning=("fingerprint", "id"),
            ),
            _Insert(connection, Finding, FINDING_FIELDS),
        )
    return plans


def datetime_adapter(connection: Any) -> Any:
    """Return a function turning an aware datetime into the value the backend stores.

    On SQLite that is Django's own text form in UTC (``2024-09-02 01:00:05``), made here without
    Django's per-value checks; other backends take the datetime as it is.
    """
    if connection.vendor == "sqlite":
        utc = dt.UTC

        def to_sqlite(value: dt.datetime) -> str:
            return value.astimezone(utc).replace(tzinfo=None).isoformat(" ")

        return to_sqlite
    return connection.ops.adapt_datetimefield_value


def insert_messages(connection: Any, rows: Sequence[tuple[Any, ...]]) -> dict[str, int]:
    """Insert message rows (``MESSAGE_FIELDS`` order, ``sent_at`` already adapted).

    Returns ``{fingerprint: id}`` of the rows stored now, in the order of ``rows``; a row whose
    fingerprint is stored already is left out.
    """
    messages, _ = _plans(connection)
    if not rows:
        return {}
    if connection.vendor == "sqlite":
        return _sqlite_messages(connection, messages).run(connection, rows)
    if connection.vendor == "postgresql" and POSTGRES_COPY:
        stored = _copy_messages(connection, messages, rows)
    else:
        stored = messages.run(connection, rows)
    return {str(fingerprint): int(pk) for fingerprint, pk in stored}


# SQLite: the columns a run of rows shares (an export is mostly one group of one batch) are
# bound once per statement — numbered parameters (``?7``) let every row name the same one — and
# the ids come from the statement's row count and last rowid instead of ``RETURNING``, which
# makes SQLite buffer every inserted row in a temporary table: together about 5 µs a message.
# MESSAGE_FIELDS positions of the shared columns (group, platform, group account and name,
# batch) and of the per-row ones (fingerprint … recalled).
_SHARED = (0, 1, 2, 3, 12)
_FINGERPRINT = 4
_OWN_FIRST, _OWN_END = 4, 12
# Rows per statement (the highest parameter number stays far under SQLite's 32,766).
SQLITE_ROWS_PER_STATEMENT = 1000


class _SqliteMessages:
    """The message INSERT on SQLite, with shared columns bound once and ids without RETURNING.

    The ids: ``id`` is ``AUTOINCREMENT``, and while the statement runs the transaction holds
    SQLite's one write lock, so rows that all went in got consecutive ids ending at the last
    rowid. When some rows were skipped as stored already (each skipped row still uses up an id),
    the new ones are the rows with those fingerprints that have the highest ids — ids never go
    back, so every row stored before has a lower one.
    """

    def __init__(self, connection: Any, plan: _Insert) -> None:
        qn = connection.ops.quote_name
        by_attname = {f.attname: f for f in ChatMessage._meta.concrete_fields}
        own = MESSAGE_FIELDS[_OWN_FIRST:_OWN_END]
        shared = [MESSAGE_FIELDS[i] for i in _SHARED]
        columns = [by_attname[name].column for name in (*own, *shared)]
        columns += [f.column for f in plan._defaults]
        self.plan = plan
        self.shared_width = len(shared) + len(plan._defaults)
        self.own_width = len(own)
        table = qn(ChatMessage._meta.db_table)
        fingerprint, pk = qn(by_attname["fingerprint"].column), qn(by_attname["id"].column)
        # Table and column names come from the model, quoted by the backend; values are parameters.
        self._head = f"INSERT INTO {table} ({', '.join(qn(c) for c in columns)}) VALUES "  # noqa: S608
        self._shared_marks = "".join(f", ?{i}" for i in range(1, self.shared_width + 1)) + ")"
        self._tail = f" ON CONFLICT ({fingerprint}) DO NOTHING"
        self._lookup_head = f"SELECT {fingerprint}, {pk} FROM {table} WHERE {fingerprint} IN ("  # noqa: S608
        self._sql_by_rows: dict[int, str] = {}

    def _sql(self, rows: int) -> str:
        sql = self._sql_by_rows.get(rows)
        if sql is None:
            width, first = self.own_width, self.shared_width + 1
            values = ", ".join(
                "(" + ", ".join(f"?{first + r * width + c}" for c in range(width)) + self._shared_marks
                for r in range(rows)
            )
            sql = self._sql_by_rows[rows] = self._head + values + self._tail
        return sql

    def run(self, connection: Any, rows: Sequence[tuple[Any, ...]]) -> dict[str, int]:
        extra = self.plan._extra(connection)
        stored: dict[str, int] = {}
        connection.ensure_connection()
        # Errors still reach the caller as Django's (DatabaseError …), as from any cursor.
        with connection.wrap_database_errors:
            cursor = connection.connection.cursor()
            try:
                start = 0
                shared = None
                limit = SQLITE_ROWS_PER_STATEMENT
                for at, row in enumerate(rows):
                    key = (row[0], row[1], row[2], row[3], row[12])
                    if key != shared or at - start >= limit:
                        if at > start:
                            self._execute(cursor, rows[start:at], shared, extra, stored)
                        start, shared = at, key
                self._execute(cursor, rows[start:], shared, extra, stored)
            finally:
                cursor.close()
        return stored

    def _execute(
        self,
        cursor: Any,
        chunk: Sequence[tuple[Any, ...]],
        shared: Any,
        extra: tuple[Any, ...],
        stored: dict[str, int],
    ) -> None:
        params: list[Any] = [*shared, *extra]
        for row in chunk:
            params.extend(row[_OWN_FIRST:_OWN_END])
        cursor.execute(self._sql(len(chunk)), params)
        count = cursor.rowcount
        if count <= 0:
            return
        fingerprints = [row[_FINGERPRINT] for row in chunk]
        if count == len(chunk):
            last = cursor.lastrowid
            stored.update(zip(fingerprints, range(last - count + 1, last + 1), strict=True))
            return
        sql = self._lookup_head + ", ".join(["?"] * len(fingerprints)) + ")"
        found = sorted(cursor.execute(sql, fingerprints).fetchall(), key=lambda item: item[1])
        new = dict(found[-count:])
        # In the order of the rows, as RETURNING gives them.
        stored.update((f, new[f]) for f in fingerprints if f in new)


_SQLITE_MESSAGES: list[_SqliteMessages] = []


def _sqlite_messages(connection: Any, plan: _Insert) -> _SqliteMessages:
    if not _SQLITE_MESSAGES or _SQLITE_MESSAGES[0].plan is not plan:
        _SQLITE_MESSAGES[:] = [_SqliteMessages(connection, plan)]
    return _SQLITE_MESSAGES[0]


# PostgreSQL: stream the rows with COPY into a temporary table, then move them with one
# ``INSERT … SELECT … ON CONFLICT DO NOTHING RETURNING``. Parsing and planning a statement of
# thousands of parameters costs the server more than COPY's plain rows (see docs/benchmarks.md).
POSTGRES_COPY = True
_LOAD_TABLE = "qunguan_message_load"


def _copy_messages(connection: Any, plan: _Insert, rows: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Store message rows through COPY and a temporary table; return ``(fingerprint, id)`` pairs."""
    qn = connection.ops.quote_name
    by_attname = {f.attname: f for f in ChatMessage._meta.concrete_fields}
    columns = [qn(by_attname[name].column) for name in MESSAGE_FIELDS]
    columns += [qn(f.column) for f in plan._defaults]
    listed = ", ".join(columns)
    table = qn(ChatMessage._meta.db_table)
    load = qn(_LOAD_TABLE)
    extra = plan._extra(connection)
    with connection.cursor() as cursor:
        # The load table has the message columns' types and no constraints; it lives as long as
        # the session, and its rows never outlive the transaction (ON COMMIT DELETE ROWS).
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {load} ON COMMIT DELETE ROWS AS "  # noqa: S608
            f"SELECT 0::integer AS ordinal, {listed} FROM {table} WITH NO DATA"
        )
        with cursor.cursor.copy(f"COPY {load} (ordinal, {listed}) FROM STDIN") as copy:
            write = copy.write_row
            for ordinal, row in enumerate(rows):
                write((ordinal, *row, *extra))
        # In file order, so that ids follow the order of the export as they do on SQLite.
        cursor.execute(
            f"INSERT INTO {table} ({listed}) SELECT {listed} FROM {load} ORDER BY ordinal "  # noqa: S608
            f"ON CONFLICT ({qn(by_attname['fingerprint'].column)}) DO NOTHING "
            f"RETURNING {qn(by_attname['fingerprint'].column)}, {qn(by_attname['id'].column)}"
        )
        stored: list[tuple[Any, ...]] = cursor.fetchall()
        # A second call in the same transaction must not see these rows again.
        cursor.execute(f"DELETE FROM {load}")  # noqa: S608
    return stored


def insert_findings(connection: Any, rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert finding rows (``FINDING_FIELDS`` order, ``sent_at`` last, an aware datetime)."""
    _, findings = _plans(connection)
    when = datetime_adapter(connection)
    findings.run(connection, [(*row[:-1], when(row[-1])) for row in rows])
