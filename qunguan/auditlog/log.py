"""Appending to and verifying the audit log. Only domain actions call ``append``."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from qunguan.auditlog.events import AuditEvent
from qunguan.auditlog.models import AuditChainHead, AuditLogEntry
from qunguan.privacy_at_rest import mask_text, mask_values

GENESIS = "0" * 64
# Fields of before/after that hold a platform id (群号, QQ号, 微信号): they name the object of
# the entry and are kept; an eleven-digit QQ number is not a phone number.
PLATFORM_ID_FIELDS = frozenset(
    {"account", "group", "group_account", "qq", "user_id", "platform_id", "self_id"}
)


def _masked(values: dict[str, Any] | None) -> dict[str, Any] | None:
    """Return ``values`` with ID, phone and bank card numbers masked, platform ids kept."""
    if values is None:
        return None
    return {k: v if k in PLATFORM_ID_FIELDS else mask_values(v) for k, v in values.items()}


def _jsonable(value: Any) -> Any:
    """Return ``value`` as plain JSON data (dates as ISO strings) so it hashes stably."""
    if value is None:
        return None
    return json.loads(json.dumps(value, ensure_ascii=False, default=_default))


def _default(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)


def append(
    *,
    actor: Any,
    event: AuditEvent,
    obj: Any = None,
    object_type: str | None = None,
    object_id: str | int | None = None,
    unit_path: str = "",
    summary: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditLogEntry:
    """Append one entry to the chain and return it.

    Must run inside the caller's transaction (every action is atomic), so that the change
    and its log entry commit or roll back together. ``actor`` may be None for the system.
    ID, phone and bank card numbers in ``summary``, ``before`` and ``after`` are masked
    (``qunguan.privacy_at_rest``), whatever the caller passed.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit log append must run inside a transaction")
    if obj is not None:
        object_type = object_type or obj._meta.model_name
        object_id = obj.pk if object_id is None else object_id
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
    entry = AuditLogEntry(
        seq=head.last_seq + 1,
        created=timezone.now(),
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=(actor.get_username() if getattr(actor, "pk", None) else "system"),
        event_type=int(event),
        object_type=object_type or "",
        object_id="" if object_id is None else str(object_id),
        unit_path=unit_path,
        # No raw personal number enters the log (an announcement, a card, a note quoting one).
        summary=mask_text(summary)[:500],
        before=_jsonable(_masked(before)),
        after=_jsonable(_masked(after)),
        prev_hash=head.last_hash,
    )
    entry.entry_hash = entry.compute_hash()
    entry.save()
    head.last_seq = entry.seq
    head.last_hash = entry.entry_hash
    head.save(update_fields=["last_seq", "last_hash"])
    return entry


# Stable codes of chain breaks (the CLI, the web page and tests rely on them).
DELETED = "deleted"
BROKEN_LINK = "broken_link"
EDITED = "edited"
TRUNCATED = "truncated"


@dataclass(frozen=True)
class ChainProblem:
    """One break in the chain: the entry (``seq``) where it shows, a stable code and a Chinese reason."""

    seq: int
    code: str
    reason: str


def verify() -> Iterator[ChainProblem]:
    """Yield every break in the chain: edited entries, deleted or reordered ones, a moved head.

    Returns nothing when the chain is intact. Deleting entry N shows as ``deleted`` at N and
    a ``broken_link`` at the next entry; editing entry N in place shows as ``edited`` at N.
    """
    prev_hash = GENESIS
    expected_seq = 1
    for entry in AuditLogEntry.objects.order_by("seq").iterator(chunk_size=2000):
        if entry.seq != expected_seq:
            last = entry.seq - 1
            what = "记录缺失" if last == expected_seq else f"第 {expected_seq} 至 {last} 条记录缺失"
            yield ChainProblem(expected_seq, DELETED, f"{what}，已被删除")
        if entry.prev_hash != prev_hash:
            yield ChainProblem(entry.seq, BROKEN_LINK, "与上一条记录的哈希链接不符：之前的记录被修改或删除")
        if entry.compute_hash() != entry.entry_hash:
            yield ChainProblem(entry.seq, EDITED, "记录内容与其哈希值不符：该记录被修改")
        prev_hash = entry.entry_hash
        expected_seq = entry.seq + 1
    head = AuditChainHead.objects.filter(pk=1).first()
    last_seq = expected_seq - 1
    if head is not None and head.last_seq > last_seq:
        yield ChainProblem(
            head.last_seq,
            TRUNCATED,
            f"最新的记录被删除：链头记到第 {head.last_seq} 条，日志只到第 {last_seq} 条",
        )
    elif head is not None and (head.last_seq != last_seq or head.last_hash != prev_hash):
        yield ChainProblem(
            head.last_seq, TRUNCATED, "链头与最后一条记录不符：最新的记录被改写，或有记录绕过审计日志被添加"
        )


def entries_for(object_type: str, object_id: str | int) -> Any:
    """Return the history of one object, newest first."""
    return AuditLogEntry.objects.filter(object_type=object_type, object_id=str(object_id)).order_by("-seq")
