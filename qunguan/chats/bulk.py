"""Batch inserts of chat messages and findings in plain SQL, for the import's hot path.

An import stores up to a million messages; building a model instance per message and letting
``bulk_create`` compile it costs more than reading and auditing the message together. Here rows
are tuples, written through the Django connection with multi-row ``INSERT … VALUES`` statements
(one statement per few hundred rows, on SQLite and PostgreSQL alike):

* messages use ``ON CONFLICT (fingerprint) DO NOTHING RETURNING fingerprint, id``: a message
  stored before (a re-run, an overlapping export, another import at the same moment) is skipped
  by the database itself, and the caller learns the id of each message that is new;
* findings are plain inserts (the bot gateway, which needs them as model instances, stores its
  few with ``bulk_create``).

Columns the import does not fill (fields added later, such as ``purged_at``) get their model
default, so a new nullable or defaulted field needs no change here. The caller runs these inside
its transaction: a batch is stored whole or not at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
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
        # Table and column names come from the model, quoted by the backend; values are parameters.
        table = qn(model._meta.db_table)
        self._head = f"INSERT INTO {table} ({', '.join(qn(c) for c in columns)}) VALUES "  # noqa: S608
        self._row = "(" + ", ".join(["%s"] * self.width) + ")"
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
        with connection.cursor() as cursor:
            for at in range(0, len(rows), step):
                chunk = rows[at : at + step]
                params: list[Any] = []
                for row in chunk:
                    params.extend(row)
                    params.extend(extra)
                cursor.execute(self._sql(len(chunk)), params)
                if self.returns:
                    out.extend(cursor.fetchall())
        return out


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

    Returns ``{fingerprint: id}`` of the rows stored now; a row whose fingerprint is stored
    already is left out.
    """
    messages, _ = _plans(connection)
    return {str(fingerprint): int(pk) for fingerprint, pk in messages.run(connection, rows)}


def insert_findings(connection: Any, rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert finding rows (``FINDING_FIELDS`` order)."""
    _, findings = _plans(connection)
    findings.run(connection, rows)
