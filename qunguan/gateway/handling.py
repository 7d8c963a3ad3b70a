"""Handling received events (处理事件): persist first, then store, audit and decide what to do.

Runs in ordinary synchronous Django code (the gateway calls it from its one database thread).
``receive`` writes the event to the inbox and commits before anything else happens, so an
event the gateway has read is never lost; ``handle`` then does the work in one transaction and
returns the OneBot calls to make. Handling is idempotent: an event already handled is skipped,
and a message is stored once by its fingerprint, so handling the inbox again after a crash
(``pending_events``) repeats nothing.
"""

from __future__ import annotations

import functools
import gc
import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone

from qunguan.audit import Auditor, MessageContext, Severity
from qunguan.audit.labels import category_label
from qunguan.auditlog import log
from qunguan.auditlog.events import AuditEvent
from qunguan.chats.actions import auditor, store_records
from qunguan.chats.models import ChatMessage, Finding
from qunguan.gateway import moderation, ocr
from qunguan.gateway.models import ActionKind, ActionStatus, GatewayAction, InboxEvent, InboxState
from qunguan.gateway.protocol import Frame
from qunguan.ingest.formats.onebot_v11 import _EventLog
from qunguan.ingest.records import ChatRecord
from qunguan.registry.models import Group, GroupStatus

logger = logging.getLogger("qunguan.gateway")


@dataclass(frozen=True, slots=True)
class Call:
    """One OneBot action to send: ``action_id`` is its ``GatewayAction`` row (None: not recorded)."""

    self_id: str
    api: str
    params: dict[str, Any]
    action_id: int | None = None


@dataclass
class Outcome:
    """What handling one event decided: the calls to send, in order."""

    calls: list[Call] = field(default_factory=list)
    # (bot, group) whose member list changed (joins, leaves, admin changes): sync it soon.
    resync: set[tuple[str, str]] = field(default_factory=set)


# Display names and group names seen so far per bot account: at-mentions and notices carry only
# numbers. Lives as long as the process; losing it on restart only makes names plainer.
_logs: dict[str, _EventLog] = {}


def _event_log(self_id: str) -> _EventLog:
    found = _logs.get(self_id)
    if found is None:
        found = _logs[self_id] = _EventLog()
    return found


def receive(self_id: str, text: str, frame: Frame) -> int:
    """Write one event to the inbox and commit; return its id."""
    return receive_many([(self_id, text, frame)])[0]


def receive_many(items: list[tuple[str, str, Frame]]) -> list[int]:
    """Write events to the inbox in one transaction and commit; return their ids in order."""
    rows = [
        InboxEvent(
            self_id=(frame.self_id or self_id)[:20],
            post_type=frame.post_type[:20],
            detail_type=frame.detail_type[:40],
            group_account=frame.group_account[:20],
            payload=text,
        )
        for self_id, text, frame in items
    ]
    with transaction.atomic():
        InboxEvent.objects.bulk_create(rows)  # SQLite and PostgreSQL return the new ids
    return [row.pk for row in rows]


# Detectors that keep state across messages (a conversation window) stay out of the fast path,
# so that scanning a message twice does not count it twice.
# Notices after which a group's member list (and its snapshot) is out of date.
MEMBER_NOTICES = frozenset({"group_increase", "group_decrease", "group_admin", "group_card"})
_STATEFUL_DETECTORS = frozenset({"harassment", "offtopic_burst"})
_GROUP_CACHE_SECONDS = 60.0
_groups: dict[str, tuple[float, Group | None]] = {}


@functools.cache
def _fast_auditor() -> Auditor:
    """Return the auditor of the fast path: the shipped policy's stateless, model-free detectors."""
    from qunguan.audit.detectors import DETECTORS

    names = tuple(n for n, c in DETECTORS.items() if not c.uses_model and n not in _STATEFUL_DETECTORS)
    return Auditor(auditor().policy.replace(enabled_detectors=names, use_models=False))


def _active_group(account_: str) -> Group | None:
    now = time.monotonic()
    cached = _groups.get(account_)
    if cached is not None and now - cached[0] < _GROUP_CACHE_SECONDS:
        return cached[1]
    group = (
        Group.objects.select_related("unit")
        .filter(platform="qq", account=account_, status=GroupStatus.ACTIVE)
        .order_by()
        .first()
    )
    _groups[account_] = (now, group)
    return group


def receive_and_triage(items: list[tuple[str, str, Frame]]) -> tuple[list[int], list[Call]]:
    """Persist events (committed), then return their ids and the recalls to send at once.

    The fast path (快速撤回): a message whose personal data or secret the policy says to recall
    is recalled before the rest of its handling (storing, the full audit, warnings), so the
    recall goes out within milliseconds even when a burst is being handled. The recall is a
    ``GatewayAction`` found again by ``moderation.apply`` and tied to the stored finding.
    """
    ids = receive_many(items)
    return ids, triage(items, ids)


def triage(items: list[tuple[str, str, Frame]], ids: list[int]) -> list[Call]:
    """Return the recalls to send at once for events already persisted as ``ids`` (the fast path)."""
    calls: list[Call] = []
    engine = _fast_auditor()
    seen: set[str] = set()
    for (self_id, text, frame), inbox_id in zip(items, ids, strict=True):
        payload = frame.payload
        if frame.post_type != "message" or payload.get("message_type") != "group":
            continue
        ocr.prefetch(inbox_id, payload)  # image text is read in the OCR thread meanwhile
        group = _active_group(frame.group_account)
        if group is None:
            continue
        record = _event_log(self_id).event(inbox_id, text)
        if not isinstance(record, ChatRecord) or record.kind != "text" or not record.message_id:
            continue
        found = engine.scan(record.text, MessageContext(group=record.group_account))
        policy = engine.policy.for_group(record.group_account)
        hit = next(
            (f for f in found if f.severity >= Severity.HIGH and policy.action_for(f.category) == "recall"),
            None,
        )
        fingerprint = record.fingerprint()
        if hit is None or fingerprint in seen or ChatMessage.objects.filter(fingerprint=fingerprint).exists():
            continue  # nothing to recall, or a redelivered message already handled
        seen.add(fingerprint)
        message_id: int | str = int(record.message_id) if record.message_id.isdigit() else record.message_id
        action = GatewayAction.objects.create(
            kind=ActionKind.RECALL,
            api="delete_msg",
            params={"message_id": message_id},
            self_id=self_id,
            group=group,
            group_account=record.group_account or "",
            user_id=record.sender_id or "",
            message_ref=record.message_id,
            reason=f"含有{category_label(hit.category)}",
        )
        calls.append(Call(self_id, action.api, action.params, action.pk))
    return calls


def warm_up() -> None:
    """Forget cached groups and names; load the auditors' lexicons and models (seconds) now."""
    _groups.clear()
    _logs.clear()
    # Import and exercise now what the first violation needs (notifications, join checks, the
    # detectors' lazily built tables), so that its recall does not wait for it.
    from qunguan.gateway import joins  # noqa: F401
    from qunguan.notify import actions  # noqa: F401

    sample = "电话13800138000，身份证110101199003071233，院党宣〔2022〕6号"
    auditor().scan(sample, MessageContext(group="warm-up"))
    _fast_auditor().scan(sample, MessageContext(group="warm-up"))
    ocr.start()
    # Everything loaded so far lives as long as the process: keep it out of the garbage
    # collector's full passes, which otherwise walk the lexicons' and models' objects and
    # hold up a recall by tens of milliseconds.
    gc.collect()
    gc.freeze()


def pending_events() -> list[int]:
    """Return the ids of inbox events received but not handled (after a crash or restart), oldest first."""
    return list(
        InboxEvent.objects.filter(state=InboxState.PENDING).order_by("id").values_list("id", flat=True)
    )


def receive_and_handle(self_id: str, text: str, frame: Frame) -> Outcome:
    """Persist one event, then handle it; return the calls to send."""
    return handle_many(receive_many([(self_id, text, frame)]))


def receive_and_handle_many(items: list[tuple[str, str, Frame]]) -> Outcome:
    """Persist events (committed), then handle them together; return the calls to send, in order."""
    return handle_many(receive_many(items))


def handle(inbox_id: int) -> Outcome:
    """Handle one inbox event and return the calls to send; never raises for bad content."""
    return handle_many([inbox_id])


def handle_many(ids: list[int]) -> Outcome:
    """Handle inbox events in one transaction and return the calls to send.

    Raises only ``OperationalError`` / ``InterfaceError`` (the database is unreachable or
    refuses writes); the events then stay pending, untouched, for the caller to retry.

    Events read in a burst are handled together: their messages are stored and audited in one
    ``store_records`` call, which is what lets the gateway keep up with a busy group. Should the
    transaction fail, each event is handled alone, so one bad event cannot hold up the others;
    a failure is recorded on its event (``failed`` with the reason) and logged.
    """
    try:
        with transaction.atomic():
            return _handle_rows(
                list(InboxEvent.objects.filter(pk__in=ids, state=InboxState.PENDING).order_by("id"))
            )
    except (OperationalError, InterfaceError):
        raise  # the database is away, not the events: they stay pending and the gateway retries
    except Exception as exc:
        if len(ids) > 1:
            merged = Outcome()
            for inbox_id in ids:
                one = handle_many([inbox_id])
                merged.calls += one.calls
                merged.resync |= one.resync
            return merged
        logger.exception("处理事件 #%s 失败", ids[0] if ids else "?")
        InboxEvent.objects.filter(pk__in=ids).update(
            state=InboxState.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000], handled_at=timezone.now()
        )
        return Outcome()


def _handle_rows(rows: list[InboxEvent]) -> Outcome:
    outcome = Outcome()
    errors: dict[int, str] = {}
    chat: list[tuple[InboxEvent, ChatRecord, dict[str, Any]]] = []
    for row in rows:
        event = json.loads(row.payload)
        post_type = event.get("post_type")
        if post_type in ("message", "message_sent") and event.get("message_type") != "group":
            continue  # private chats with the bot are not a group's conversation
        if post_type in ("message", "message_sent", "notice"):
            record = _record(row)
            if isinstance(record, str):
                errors[row.pk] = record
            elif record is not None:
                chat.append((row, record, event))
            # The snapshot and the member count change now; the resync fills in the cards.
            if (
                event.get("notice_type") in MEMBER_NOTICES
                and row.group_account
                and not _apply_member_notice(row.self_id, event)
            ):
                outcome.resync.add((row.self_id, row.group_account))
        elif (
            post_type == "request" and event.get("request_type") == "group" and event.get("sub_type") == "add"
        ):
            from qunguan.gateway import joins

            outcome.calls += joins.decide(row.self_id, event)
        # meta events and unknown kinds carry nothing to keep
    if chat:
        outcome.calls += _moderate(chat)
    now = timezone.now()
    InboxEvent.objects.filter(pk__in=[r.pk for r in rows if r.pk not in errors]).update(
        state=InboxState.DONE, handled_at=now
    )
    for pk, error in errors.items():
        InboxEvent.objects.filter(pk=pk).update(state=InboxState.FAILED, error=error, handled_at=now)
    return outcome


def _moderate(chat: list[tuple[InboxEvent, ChatRecord, dict[str, Any]]]) -> list[Call]:
    """Store the records of a batch; apply the handling policy to each new message with findings."""
    stored = store_records([record for _, record, _ in chat])
    new = {m.fingerprint: m for m in stored.messages}
    findings: dict[int, list[Finding]] = {}
    for finding in [*stored.findings, *ocr.audit_images(chat, new)]:
        findings.setdefault(finding.message.pk, []).append(finding)
    calls: list[Call] = []
    for row, record, event in chat:
        message = new.pop(record.fingerprint(), None)  # pop: a message delivered twice is handled once
        if message is None or event.get("post_type") != "message" or message.pk not in findings:
            continue  # stored before, the bot's own words, a notice, or nothing found
        sender = event.get("sender")
        role = str(sender.get("role", "")) if isinstance(sender, dict) else ""
        calls += moderation.apply(row.self_id, message, findings[message.pk], sender_role=role)
    return calls


def _apply_member_notice(self_id: str, event: dict[str, Any]) -> bool:
    """Apply a join, leave or admin change to the group's snapshot and count at once; return
    True when the bot itself was removed (nothing to resync). A failure is logged, never raised:
    the resync after the notice brings the member list right anyway."""
    from qunguan.members.notices import do_apply_member_notice

    try:
        with transaction.atomic():
            return do_apply_member_notice(self_id, event).bot_removed
    except Exception:
        logger.exception("成员变动通知处理失败：%.200s", json.dumps(event, ensure_ascii=False))
        return False


def _record(row: InboxEvent) -> ChatRecord | str | None:
    item = _event_log(row.self_id).event(row.pk, row.payload)
    if item is None or isinstance(item, ChatRecord):
        return item
    return item.reason


def record_result(action_id: int, status: str, *, retcode: int | None = None, error: str = "") -> None:
    """Record how the bot answered an action; a failure also gets an audit-log entry."""
    with transaction.atomic():
        action = GatewayAction.objects.select_related("group__unit").filter(pk=action_id).first()
        if action is None:
            return
        action.status = status
        action.retcode = retcode
        action.error = error[:300]
        action.finished_at = timezone.now()
        action.save(update_fields=["status", "retcode", "error", "finished_at"])
        if status != ActionStatus.OK:
            group_name = action.group.name if action.group else action.group_account
            log.append(
                actor=None,
                event=AuditEvent.GATEWAY_ACTION_FAILED,
                obj=action,
                unit_path=action.group.unit.path if action.group else "",
                summary=f"机器人在群“{group_name}”中{action.get_kind_display()}失败：{action.get_status_display()} {error}"[
                    :500
                ],
                after={"api": action.api, "status": status, "retcode": retcode, "error": error[:300]},
            )
