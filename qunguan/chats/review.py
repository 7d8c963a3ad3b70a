"""Handling findings in the review queue (审查队列 · 处置): dismiss, confirm, escalate, reopen, reveal.

Every function takes the acting user first, checks that the user may act
(``RegistryError`` with a stable code otherwise), runs in one transaction and writes exactly one
audit-log entry per finding it changes. Decisions form a small state machine::

    open ──dismiss──► dismissed      (误报)
    open ──confirm──► confirmed      (确认违规)
    open / confirmed ──escalate──► escalated   (上报本单位; the finding joins its sender's case)
    dismissed / confirmed / escalated ──reopen──► open

A decision about one finding is a decision about its message in that category: a spam message
is found by every lure it holds (兼职, 刷单, 加V, 扫码进群 …), an insult by each of its words, and the
reviewer judges the message, not each word. So dismissing, confirming or escalating a finding
also moves the message's other findings of the same category that are in a state the step
starts from (``siblings``), each with its own audit entry. Personal data and secrets are the
exception: each span is a datum of its own (a message may hold the office's public number and a
student's mobile), so those findings are decided one by one. Reopening is one by one too.

The bulk variants write one audit entry *per finding*, not one per batch: the log is read per
object (a finding's history is ``entries_for("finding", id)``), and a batch entry would leave
each finding's history silent about the decision that closed it. They still run in one
transaction, so a batch with a finding the user may not handle changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from qunguan.audit.labels import category_label
from qunguan.auditlog import log
from qunguan.auditlog.events import AuditEvent
from qunguan.chats import access, cases
from qunguan.chats.models import Finding, FindingStatus
from qunguan.chats.privacy import PERSONAL_OR_SECRET, is_personal_or_secret, pseudonym, real_sender
from qunguan.registry.errors import OUT_OF_SCOPE, RegistryError

# Stable error codes (the web UI, the API and tests rely on them).
READ_ONLY = "finding_read_only"
WRONG_STATE = "finding_wrong_state"
NOTE_REQUIRED = "finding_note_required"

NOTE_MAX_CHARS = 1000


@dataclass(frozen=True)
class _Transition:
    target: FindingStatus
    sources: frozenset[FindingStatus]
    event: AuditEvent
    verb: str  # completes "已将审查发现 #N …" in the log summary


DISMISS = _Transition(
    FindingStatus.DISMISSED, frozenset({FindingStatus.OPEN}), AuditEvent.FINDING_DISMISSED, "标为误报"
)
CONFIRM = _Transition(
    FindingStatus.CONFIRMED, frozenset({FindingStatus.OPEN}), AuditEvent.FINDING_CONFIRMED, "确认为违规"
)
ESCALATE = _Transition(
    FindingStatus.ESCALATED,
    frozenset({FindingStatus.OPEN, FindingStatus.CONFIRMED}),
    AuditEvent.FINDING_ESCALATED,
    "上报本单位",
)
REOPEN = _Transition(
    FindingStatus.OPEN,
    frozenset({FindingStatus.DISMISSED, FindingStatus.CONFIRMED, FindingStatus.ESCALATED}),
    AuditEvent.FINDING_REOPENED,
    "重新打开",
)


def _check_may_act(user: Any, finding: Finding) -> None:
    if user is None:  # the system (a command run by the operator) may do anything
        return
    if not access.visible_findings(user).filter(pk=finding.pk).exists():
        raise RegistryError(OUT_OF_SCOPE, "该审查发现不存在或不在您的管理范围内。")
    if not access.can_act_on_finding(user, finding):
        raise RegistryError(READ_ONLY, "您只能查看该审查发现，无权处理。")


def _clean_note(note: str, *, required: bool) -> str:
    note = (note or "").strip()
    if required and not note:
        raise RegistryError(NOTE_REQUIRED, "上报时请填写说明。", field="note")
    if len(note) > NOTE_MAX_CHARS:
        raise RegistryError("invalid", f"说明不能超过 {NOTE_MAX_CHARS} 个字。", field="note")
    return note


def _state(finding: Finding) -> dict[str, Any]:
    return {"status": finding.status, "handled_by": finding.handled_by_id, "note": finding.note}


def _apply(user: Any, finding: Finding, step: _Transition, note: str, *, with_finding: int = 0) -> Finding:
    """Move one locked, permitted finding along ``step`` and log it; the caller holds the transaction.

    ``with_finding``: the finding of the same message whose decision this one follows (a sibling).
    """
    before = _state(finding)
    finding.status = step.target
    if step.target == FindingStatus.OPEN:
        # A reopened finding has no decision in force; the earlier one stays in the log.
        finding.handled_by = None
        finding.handled_at = None
        finding.note = note
    else:
        finding.handled_by = user if getattr(user, "pk", None) else None
        finding.handled_at = timezone.now()
        finding.note = note
    finding.save(update_fields=["status", "handled_by", "handled_at", "note"])
    where = finding.group.name if finding.group else (finding.message.group_name or "未登记群组")
    log.append(
        actor=user,
        event=step.event,
        obj=finding,
        unit_path=finding.group.unit.path if finding.group else "",
        summary=f"已将审查发现 #{finding.pk}（{category_label(finding.category)}，{where}）{step.verb}"
        + (f"（随同一消息的审查发现 #{with_finding} 一并处理）" if with_finding else ""),
        before=before,
        after=_state(finding),
    )
    if step is ESCALATE:
        # 上报本单位 hands the person to the unit: the finding joins the sender's case there.
        cases.attach_escalation(user, finding, note)
    return finding


def siblings(finding: Finding, sources: Iterable[FindingStatus] = (FindingStatus.OPEN,)) -> list[Finding]:
    """Return the other findings of ``finding``'s message and category whose status is in ``sources``.

    None for personal data and secrets, whose spans are decided one by one (see the module's doc).
    """
    if is_personal_or_secret(finding.category):
        return []
    return list(
        Finding.objects.filter(
            message_id=finding.message_id, category=finding.category, status__in=list(sources)
        )
        .exclude(pk=finding.pk)
        .order_by("pk")
    )


def queue_leads(
    findings: QuerySet[Finding], *, status: str | None = None, severity: int | None = None
) -> QuerySet[Finding]:
    """Keep one finding of ``findings`` per message and category: the one the queue lists.

    A spam message found by nine lures is one thing to judge and, with ``siblings``, one decision
    moves all nine: the queue shows it once. ``findings`` is a queue narrowed to ``status`` and
    ``severity`` when given (its other filters — unit, group, dates, category — hold for all of a
    message's findings of one category alike). The finding kept is the first in the queue's order
    (``-severity, -sent_at, -pk``; one message has one time): the highest severity, then the
    newest. Personal data and secrets are decided span by span and keep a row each.
    """
    outranking = Finding.objects.filter(
        Q(severity__gt=OuterRef("severity")) | Q(severity=OuterRef("severity"), pk__gt=OuterRef("pk")),
        message_id=OuterRef("message_id"),
        category=OuterRef("category"),
    )
    if status:
        outranking = outranking.filter(status=status)
    if severity is not None:
        outranking = outranking.filter(severity=severity)
    span_by_span = Q()
    for prefix in PERSONAL_OR_SECRET:
        span_by_span |= Q(category__startswith=prefix)
    return findings.filter(span_by_span | ~Exists(outranking))


def same_row(
    lead: Finding, findings: Iterable[Finding], *, status: str | None = None, severity: int | None = None
) -> list[Finding]:
    """Return the findings of ``findings`` (all of the lead's message) that the queue row of ``lead``
    stands for: itself and what ``queue_leads`` folded into it, under the same ``status`` and
    ``severity``."""
    if is_personal_or_secret(lead.category):
        return [lead]
    return [
        f
        for f in findings
        if f.category == lead.category
        and (not status or f.status == status)
        and (severity is None or f.severity == severity)
    ]


def _with_siblings(locked: list[Finding], step: _Transition) -> list[tuple[Finding, int]]:
    """Return (finding, the finding it follows or 0) for ``locked`` and their siblings, locked too."""
    if step is REOPEN:
        return [(f, 0) for f in locked]
    chosen = {f.pk for f in locked}
    out = [(f, 0) for f in locked]
    for finding in locked:
        if finding.status not in step.sources:
            continue
        extra = [s for s in siblings(finding, step.sources) if s.pk not in chosen]
        chosen.update(s.pk for s in extra)
        out.extend((s, finding.pk) for s in _locked(extra))
    return out


def _locked(findings: Iterable[Finding]) -> list[Finding]:
    """Re-read the findings under a row lock, so two reviewers deciding at once cannot both win."""
    ids = [f.pk for f in findings]
    rows = (
        Finding.objects.select_for_update(of=("self",))
        .select_related("group__unit", "message")
        .filter(pk__in=ids)
        .order_by("pk")
    )
    return list(rows)


def _handle_one(user: Any, finding: Finding, step: _Transition, note: str) -> Finding:
    with transaction.atomic():
        locked = _locked([finding])
        if not locked:
            raise RegistryError(OUT_OF_SCOPE, "该审查发现不存在或不在您的管理范围内。")
        current = locked[0]
        _check_may_act(user, current)
        if current.status not in step.sources:
            raise RegistryError(
                WRONG_STATE,
                f"该审查发现当前为“{current.get_status_display()}”，不能{step.verb}。",
            )
        # The same message's other findings of the category follow (same group: same permission).
        following = _with_siblings([current], step)[1:]
        _apply(user, current, step, note)
        for sibling, _ in following:
            if sibling.status in step.sources:
                _apply(user, sibling, step, note, with_finding=current.pk)
    # The caller's object reflects the new state too.
    finding.status, finding.handled_by_id, finding.handled_at, finding.note = (
        current.status,
        current.handled_by_id,
        current.handled_at,
        current.note,
    )
    return finding


def _handle_many(user: Any, findings: Iterable[Finding], step: _Transition, note: str) -> list[Finding]:
    with transaction.atomic():
        locked = _locked(findings)
        if user is not None:
            # One query for the whole batch instead of one per finding.
            ids = [f.pk for f in locked]
            visible = set(access.visible_findings(user).filter(pk__in=ids).values_list("pk", flat=True))
            for finding in locked:
                if finding.pk not in visible:
                    raise RegistryError(OUT_OF_SCOPE, "该审查发现不存在或不在您的管理范围内。")
                if not access.can_act_on_finding(user, finding):
                    raise RegistryError(READ_ONLY, "您只能查看该审查发现，无权处理。")
        # Findings already past this step (another reviewer got there first) are skipped, not
        # errors: a bulk action is "make these dismissed", and they are no longer open.
        return [
            _apply(user, f, step, note, with_finding=leader)
            for f, leader in _with_siblings(locked, step)
            if f.status in step.sources
        ]


def do_dismiss_finding(user: Any, finding: Finding, *, reason: str = "") -> Finding:
    """Mark ``finding`` a false positive (误报); return it. Raises ``RegistryError``."""
    return _handle_one(user, finding, DISMISS, _clean_note(reason, required=False))


def do_confirm_finding(user: Any, finding: Finding, *, note: str = "") -> Finding:
    """Confirm ``finding`` as a breach (确认违规); return it. Raises ``RegistryError``."""
    return _handle_one(user, finding, CONFIRM, _clean_note(note, required=False))


def do_escalate_finding(user: Any, finding: Finding, *, note: str) -> Finding:
    """Report ``finding`` to the unit (上报本单位) with a required note; return it. Raises ``RegistryError``."""
    return _handle_one(user, finding, ESCALATE, _clean_note(note, required=True))


def do_reopen_finding(user: Any, finding: Finding, *, reason: str = "") -> Finding:
    """Put a decided ``finding`` back in the queue; return it. Raises ``RegistryError``."""
    return _handle_one(user, finding, REOPEN, _clean_note(reason, required=False))


def do_dismiss_findings(user: Any, findings: Iterable[Finding], *, reason: str = "") -> list[Finding]:
    """Dismiss every open finding of ``findings``; return those changed. All or nothing on permission."""
    return _handle_many(user, findings, DISMISS, _clean_note(reason, required=False))


def do_confirm_findings(user: Any, findings: Iterable[Finding], *, note: str = "") -> list[Finding]:
    """Confirm every open finding of ``findings``; return those changed."""
    return _handle_many(user, findings, CONFIRM, _clean_note(note, required=False))


def do_escalate_findings(user: Any, findings: Iterable[Finding], *, note: str) -> list[Finding]:
    """Escalate every open or confirmed finding of ``findings`` with one note; return those changed."""
    return _handle_many(user, findings, ESCALATE, _clean_note(note, required=True))


def do_reopen_findings(user: Any, findings: Iterable[Finding], *, reason: str = "") -> list[Finding]:
    """Reopen every decided finding of ``findings``; return those changed."""
    return _handle_many(user, findings, REOPEN, _clean_note(reason, required=False))


@dataclass(frozen=True)
class SenderIdentity:
    """Who sent a finding's message, as the export named them."""

    pseudonym: str
    name: str
    sender_id: str
    display: str


def do_reveal_sender(user: Any, finding: Finding) -> SenderIdentity:
    """Return the real sender of ``finding``'s message and log that ``user`` looked.

    Revealing changes no row, but who learned whose identity is exactly what an audit must be
    able to answer, so it writes one entry like any change. The entry names the pseudonym,
    never the person: the log is append-only and must not become a store of personal data.
    Raises ``RegistryError`` (``out_of_scope``, ``finding_read_only``).
    """
    with transaction.atomic():
        _check_may_act(user, finding)
        message = finding.message
        alias = pseudonym(message)
        log.append(
            actor=user,
            event=AuditEvent.FINDING_SENDER_REVEALED,
            obj=finding,
            unit_path=finding.group.unit.path if finding.group else "",
            summary=f"查看了审查发现 #{finding.pk} 的发送者（{alias}）的身份",
            after={"pseudonym": alias},
        )
    return SenderIdentity(
        pseudonym=alias, name=message.sender_name, sender_id=message.sender_id, display=real_sender(message)
    )


__all__ = [
    "NOTE_REQUIRED",
    "READ_ONLY",
    "WRONG_STATE",
    "SenderIdentity",
    "do_confirm_finding",
    "do_confirm_findings",
    "do_dismiss_finding",
    "do_dismiss_findings",
    "do_escalate_finding",
    "do_escalate_findings",
    "do_reopen_finding",
    "do_reopen_findings",
    "do_reveal_sender",
]
