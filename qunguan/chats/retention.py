"""Message retention (消息保留期限): purging the bodies of messages past the retention period.

After ``QUNGUAN_MESSAGE_RETENTION_DAYS`` days (counted from when a message was sent; 0 keeps
messages forever) a message keeps its place in the conversation — time, sender, group, kind and
its findings — but its text is emptied and ``purged_at`` set; pages show ``PURGED_NOTICE`` in its
place. What the findings and cases keep is masked already: a span finding stores its evidence
masked by the engine, and a whole-message finding (chatter, rumour …) quotes the masked text; the
purge writes that masked quote once more before the text goes, so no finding depends on the body.
The search index follows the text through its triggers (SQLite) or its expression index
(PostgreSQL). The raw OneBot events the gateway received for those messages go too: a handled
inbox event older than the period loses its payload.

The purge runs in batches of ``BATCH`` messages, each in its own transaction, so that a large
first purge never holds the database for long; it is idempotent (a purged message is never
touched again), and a run that purged something writes one audit-log entry with the count.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction

from qunguan.audit.mask import is_message_level
from qunguan.auditlog import log
from qunguan.auditlog.events import AuditEvent
from qunguan.chats.models import ChatMessage, Finding

PURGED_NOTICE = "消息内容已按保留期限清除"
# Messages purged in one transaction.
BATCH = 2000


@dataclass(frozen=True)
class PurgeResult:
    """What one run of the purge did."""

    cutoff: dt.datetime | None  # messages sent before it were due; None: retention is off
    messages: int = 0  # message bodies emptied
    evidence_rewritten: int = 0  # whole-message findings whose quote was written again, masked
    inbox_events: int = 0  # handled gateway events whose payload was dropped


def retention_days() -> int:
    """Return the configured retention period in days (0: keep messages forever)."""
    return int(settings.QUNGUAN_MESSAGE_RETENTION_DAYS)


def cutoff_for(now: dt.datetime, days: int | None = None) -> dt.datetime | None:
    """Return the time before which a message's text is purged, or None when retention is off."""
    days = retention_days() if days is None else days
    return None if days <= 0 else now - dt.timedelta(days=days)


def do_purge_expired_messages(now: dt.datetime, actor: Any = None, *, days: int | None = None) -> PurgeResult:
    """Purge the text of every message sent before ``now`` minus the retention period; return the counts.

    ``days`` overrides ``QUNGUAN_MESSAGE_RETENTION_DAYS`` (0: nothing is purged). Safe to run
    twice and alongside an import: only messages not yet purged are touched, in id order.
    """
    cutoff = cutoff_for(now, days)
    if cutoff is None:
        return PurgeResult(cutoff=None)
    messages = rewritten = 0
    last_id = 0
    while True:
        with transaction.atomic():
            ids = list(
                ChatMessage.objects.filter(pk__gt=last_id, sent_at__lt=cutoff, purged_at__isnull=True)
                .order_by("pk")
                .values_list("pk", flat=True)[:BATCH]
            )
            if not ids:
                break
            rewritten += _mask_whole_message_evidence(ids)
            messages += ChatMessage.objects.filter(pk__in=ids, purged_at__isnull=True).update(
                text="", purged_at=now
            )
            last_id = ids[-1]
    with transaction.atomic():
        inbox = _drop_inbox_payloads(cutoff)
        if messages or inbox:
            log.append(
                actor=actor,
                event=AuditEvent.MESSAGES_PURGED,
                object_type="chats.retention",
                object_id=cutoff.date().isoformat(),
                summary=(
                    f"按保留期限清除了 {messages} 条消息的内容（{cutoff:%Y-%m-%d %H:%M} 之前发送），"
                    "审查发现与个案保留已脱敏的证据"
                ),
                after={
                    "cutoff": cutoff.isoformat(),
                    "messages": messages,
                    "evidence_rewritten": rewritten,
                    "inbox_events": inbox,
                },
            )
    return PurgeResult(cutoff=cutoff, messages=messages, evidence_rewritten=rewritten, inbox_events=inbox)


def _mask_whole_message_evidence(message_ids: list[int]) -> int:
    """Write the masked quote into each whole-message finding of ``message_ids``; return how many changed.

    Shown evidence of such a finding is cut from the masked message text, which the purge
    empties; storing it now keeps it — masked — for the queue and the cases.
    """
    from qunguan.chats.privacy import shown_evidence

    findings = list(Finding.objects.filter(message_id__in=message_ids).select_related("message"))
    by_message: dict[int, list[Finding]] = {}
    for f in findings:
        by_message.setdefault(f.message_id, []).append(f)
    changed: list[Finding] = []
    for f in findings:
        if not is_message_level(f.category, f.rule):
            continue
        evidence = shown_evidence(f, by_message[f.message_id])[:200]
        if evidence != f.evidence:
            f.evidence = evidence
            changed.append(f)
    Finding.objects.bulk_update(changed, ["evidence"], batch_size=500)
    return len(changed)


def _drop_inbox_payloads(cutoff: dt.datetime) -> int:
    """Empty the payload of handled gateway events received before ``cutoff``; return how many.

    A pending or failed event keeps its payload: the gateway still has to handle it.
    """
    from qunguan.gateway.models import InboxEvent, InboxState

    return (
        InboxEvent.objects.filter(state=InboxState.DONE, received_at__lt=cutoff)
        .exclude(payload="")
        .update(payload="")
    )
