"""The SQL of the message search index, per backend (used by migration 0004 and by tests).

Kept apart from ``search`` (which queries) so that the migration imports no models.
"""

from __future__ import annotations

from typing import Any

FTS_TABLE = "chats_message_fts"
STATE_TABLE = "chats_message_fts_state"
TRIGGERS = ("chats_message_fts_ad", "chats_message_fts_au")
PG_INDEX = "chats_chatmessage_text_trgm"

# SQLite. Indexing trigrams costs tens of microseconds a message, which an insert trigger would
# add to every import (the import must keep 25,000 messages/s). So new messages are indexed in
# batches by ``search.catch_up`` (the search page and ``qunguan search-index``), and the state
# table keeps the highest message id indexed; a search reads the FTS index below it and scans
# the (short) unindexed tail with LIKE, so results are complete either way. Edits and deletes of
# already indexed messages (the retention purge) keep the index true through the two triggers,
# which fire only for those rows: an FTS5 'delete' of a row never indexed would corrupt it.
# Constant SQL (no interpolation): the table and trigger names are fixed.
SQLITE_CREATE = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS chats_message_fts USING fts5("
    "text, content='chats_chatmessage', content_rowid='id', tokenize='trigram')",
    "CREATE TABLE IF NOT EXISTS chats_message_fts_state ("
    "id INTEGER PRIMARY KEY CHECK (id = 1), last_id INTEGER NOT NULL)",
    "INSERT OR IGNORE INTO chats_message_fts_state (id, last_id) VALUES (1, 0)",
    "CREATE TRIGGER IF NOT EXISTS chats_message_fts_ad AFTER DELETE ON chats_chatmessage "
    "WHEN old.id <= (SELECT last_id FROM chats_message_fts_state WHERE id = 1) BEGIN "
    "INSERT INTO chats_message_fts(chats_message_fts, rowid, text) VALUES ('delete', old.id, old.text); END",
    "CREATE TRIGGER IF NOT EXISTS chats_message_fts_au AFTER UPDATE OF text ON chats_chatmessage "
    "WHEN old.id <= (SELECT last_id FROM chats_message_fts_state WHERE id = 1) BEGIN "
    "INSERT INTO chats_message_fts(chats_message_fts, rowid, text) VALUES ('delete', old.id, old.text); "
    "INSERT INTO chats_message_fts(rowid, text) VALUES (new.id, new.text); END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS chats_message_fts_ad",
    "DROP TRIGGER IF EXISTS chats_message_fts_au",
    "DROP TABLE IF EXISTS chats_message_fts_state",
    "DROP TABLE IF EXISTS chats_message_fts",
]
SQLITE_WATERMARK = "SELECT last_id FROM chats_message_fts_state WHERE id = 1"
SQLITE_NEXT_IDS = "SELECT id FROM chats_chatmessage WHERE id > %s ORDER BY id LIMIT %s"
SQLITE_INDEX_RANGE = "INSERT INTO chats_message_fts(rowid, text) SELECT id, text FROM chats_chatmessage WHERE id > %s AND id <= %s"
SQLITE_SET_WATERMARK = "UPDATE chats_message_fts_state SET last_id = %s WHERE id = 1"

PG_CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS chats_chatmessage_text_trgm ON chats_chatmessage USING gin (text gin_trgm_ops)",
]
PG_DROP = ["DROP INDEX IF EXISTS chats_chatmessage_text_trgm"]


def _run(schema_editor: Any, statements: list[str]) -> None:
    for sql in statements:
        schema_editor.execute(sql)


def watermark(connection: Any) -> int | None:
    """Return the highest message id in the SQLite index (None on other backends)."""
    if connection.vendor != "sqlite":
        return None
    with connection.cursor() as cursor:
        cursor.execute(SQLITE_WATERMARK)
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def catch_up(connection: Any, limit: int | None = None) -> int:
    """Index up to ``limit`` (None: all) stored messages not yet in the SQLite index; return how many.

    Call inside a transaction. Safe to run twice and concurrently with imports: it indexes a
    closed id range and then moves the watermark to its end.
    """
    if connection.vendor != "sqlite":
        return 0
    start = watermark(connection) or 0
    with connection.cursor() as cursor:
        cursor.execute(SQLITE_NEXT_IDS, [start, -1 if limit is None else limit])
        ids = [row[0] for row in cursor.fetchall()]
        if not ids:
            return 0
        cursor.execute(SQLITE_INDEX_RANGE, [start, ids[-1]])
        cursor.execute(SQLITE_SET_WATERMARK, [ids[-1]])
    return len(ids)


def install_index(schema_editor: Any) -> None:
    """Create the backend's search index (idempotent) and index what is stored.

    Other backends search without an index.
    """
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        _run(schema_editor, SQLITE_CREATE)
        catch_up(schema_editor.connection)
    elif vendor == "postgresql":
        _run(schema_editor, PG_CREATE)


def remove_index(schema_editor: Any) -> None:
    """Drop the backend's search index."""
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        _run(schema_editor, SQLITE_DROP)
    elif vendor == "postgresql":
        _run(schema_editor, PG_DROP)
