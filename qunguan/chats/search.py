"""Message search (消息检索): full text over stored messages, within the user's scope.

Chinese is written without spaces, so word tokenizers find little; both backends index
character trigrams instead (migration 0004, ``searchindex``):

- SQLite: an FTS5 table with the trigram tokenizer. A query of three or more characters is a
  phrase ``MATCH`` on it (a substring match, case-insensitive); one or two characters (many
  Chinese words are two) cannot use trigrams and fall back to ``LIKE``.
- PostgreSQL: ``ILIKE`` on the text, which the trigram GIN index (``pg_trgm``) serves.

Scope is the groups' scope: the supervisor searches every message (also of unregistered
groups), other roles the messages of the groups they see. Results are shown masked: the text
through the audit engine's redaction over the message's findings, the sender as a pseudonym.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import OperationalError, connection, transaction
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from qunguan.chats import searchindex
from qunguan.chats.models import ChatMessage
from qunguan.chats.privacy import masked_text, pseudonym
from qunguan.registry import access as registry_access
from qunguan.registry.errors import RegistryError
from qunguan.registry.models import Group

QUERY_MAX_CHARS = 100
TRIGRAM = 3
SNIPPET_CONTEXT = 30


def searchable_messages(user: Any) -> QuerySet[ChatMessage]:
    """Return the messages the user may search."""
    if registry_access.is_supervisor(user):
        return ChatMessage.objects.all()
    return ChatMessage.objects.filter(group__in=registry_access.visible_groups(user))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _matching(qs: QuerySet[ChatMessage], query: str) -> QuerySet[ChatMessage]:
    vendor = connection.vendor
    if vendor == "sqlite" and len(query) >= TRIGRAM:
        phrase = '"' + query.replace('"', '""') + '"'
        indexed = RawSQL("SELECT rowid FROM chats_message_fts WHERE chats_message_fts MATCH %s", [phrase])
        # Messages stored since the last catch-up are not in the index yet: scan that tail.
        tail = searchindex.watermark(connection) or 0
        return qs.filter(Q(pk__in=indexed) | Q(pk__gt=tail, text__icontains=query))
    if vendor == "postgresql":
        # ILIKE on the bare column, so that the trigram GIN index on ``text`` serves it
        # (Django's icontains wraps the column in UPPER(), which the index does not cover).
        return qs.extra(where=["chats_chatmessage.text ILIKE %s"], params=[f"%{_escape_like(query)}%"])
    return qs.filter(text__icontains=query)


# The search page indexes at most this many new messages before it searches; the rest are
# found by the LIKE scan of the tail until ``qunguan search-index`` (or later searches) catch up.
CATCH_UP_ON_SEARCH = 5000


def catch_up(limit: int | None = None) -> int:
    """Add stored messages not yet indexed to the SQLite search index; return how many.

    Idempotent; a no-op on PostgreSQL, whose index follows every insert. Returns 0 without
    waiting when another process holds the database's write lock (an import in progress).
    """
    if connection.vendor != "sqlite":
        return 0
    try:
        with transaction.atomic():
            return searchindex.catch_up(connection, limit)
    except OperationalError:  # "database is locked": the next search or run catches up
        return 0


def search_messages(
    user: Any,
    query: str,
    *,
    group: Group | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[ChatMessage]:
    """Return the user's messages containing ``query``, newest first, optionally narrowed.

    Raises ``RegistryError`` (``invalid``) for an empty or over-long query. ``group`` must come
    through ``registry.access`` (a group outside the scope simply finds nothing).
    """
    query = (query or "").strip()
    if not query:
        raise RegistryError("invalid", "请输入要检索的文字。", field="q")
    if len(query) > QUERY_MAX_CHARS:
        raise RegistryError("invalid", f"检索词不能超过 {QUERY_MAX_CHARS} 个字。", field="q")
    qs = searchable_messages(user)
    if group is not None:
        qs = qs.filter(group=group)
    if date_from is not None:
        qs = qs.filter(sent_at__date__gte=date_from)
    if date_to is not None:
        qs = qs.filter(sent_at__date__lte=date_to)
    return _matching(qs, query).order_by("-sent_at", "-pk")


@dataclass(frozen=True)
class Hit:
    """One search result as shown: masked text cut around the first match, sender pseudonymised."""

    message: ChatMessage
    sender: str
    before: str
    match: str
    after: str


def hit(message: ChatMessage, query: str) -> Hit:
    """Return ``message`` masked for display, split around the first occurrence of ``query``.

    When the query lies in a masked span (someone searched a phone number) nothing is marked,
    and the masked text is shown as it is.
    """
    text = masked_text(message, message.findings.all())
    at = text.lower().find(query.strip().lower()) if query.strip() else -1
    alias = pseudonym(message)
    if at < 0:
        short = text if len(text) <= 2 * SNIPPET_CONTEXT else text[: 2 * SNIPPET_CONTEXT] + "…"
        return Hit(message, alias, short, "", "")
    end = at + len(query.strip())
    before = text[max(0, at - SNIPPET_CONTEXT) : at]
    after = text[end : end + SNIPPET_CONTEXT]
    return Hit(
        message,
        alias,
        ("…" if at > SNIPPET_CONTEXT else "") + before,
        text[at:end],
        after + ("…" if end + SNIPPET_CONTEXT < len(text) else ""),
    )


__all__ = ["Hit", "hit", "search_messages", "searchable_messages"]
