"""Cases per person (个案, 管理办法 4(3)): 批评教育，情节严重依规处理.

A case is about one sender (by platform id, else name) and held by one unit — the unit of the
group where the breach happened. It gathers findings, a record of what was done (notes, 批评教育
talks, 上报) and moves ``open → handling → closed`` with an outcome (批评教育 / 上报处理 / 依规追责
/ 不予处理). Escalating a finding to the unit (``review.do_escalate_finding``) attaches it to the
sender's case in that unit, opening one when there is none.

Every function takes the acting user first, checks scope like findings do (the supervisor
everywhere, unit managers and reviewers in their subtrees, group admins on their groups' cases;
unit heads read), runs in one transaction and writes one audit-log entry on the case.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from qunguan.audit.labels import category_label
from qunguan.auditlog import log
from qunguan.auditlog.events import AuditEvent
from qunguan.chats import access
from qunguan.chats.models import (
    Case,
    CaseEntry,
    CaseEntryKind,
    CaseOutcome,
    CaseState,
    ChatMessage,
    Finding,
)
from qunguan.chats.privacy import pseudonym
from qunguan.registry import access as registry_access
from qunguan.registry.access import NotFound
from qunguan.registry.errors import OUT_OF_SCOPE, RegistryError

# Stable error codes.
CASE_READ_ONLY = "case_read_only"
CASE_CLOSED = "case_closed"
CASE_WRONG_STATE = "case_wrong_state"
CASE_OTHER_SENDER = "case_other_sender"
CASE_UNREGISTERED = "case_unregistered_group"
CASE_TEXT_REQUIRED = "case_text_required"

TEXT_MAX_CHARS = 2000
TITLE_MAX_CHARS = 200


# ── access ───────────────────────────────────────────────────────────────────────────────


def visible_cases(user: Any) -> QuerySet[Case]:
    """Return the cases the user may see: the supervisor all, others those of their units/groups."""
    if registry_access.is_supervisor(user):
        return Case.objects.all()
    q = Q(group__in=registry_access.visible_groups(user)) | Q(unit__in=registry_access.visible_units(user))
    return Case.objects.filter(q)


def can_act_on_case(user: Any, case: Case) -> bool:
    """Whether the user may change ``case`` (unit heads and outsiders read only)."""
    if user is None or registry_access.is_supervisor(user):
        return True
    if case.group_id is not None and case.group_id in access._admin_group_ids(user):
        return True
    return any(case.unit.path.startswith(p) for p in access._acting_paths(user))


def access_case(user: Any, case_id: Any) -> Case:
    """Return the case ``case_id`` if the user may see it; raise ``NotFound`` otherwise."""
    try:
        return (
            visible_cases(user)
            .select_related("unit", "group", "handler", "opened_by", "person")
            .get(pk=int(case_id))
        )
    except (Case.DoesNotExist, ValueError, TypeError):
        raise NotFound from None


def subject(case: Case) -> str:
    """Return the case's person as everyone sees it: the sender's pseudonym."""
    return pseudonym(
        ChatMessage(platform=case.platform, sender_id=case.sender_id, sender_name=case.sender_name)
    )


def _same_sender(message: ChatMessage) -> Q:
    if message.sender_id:
        return Q(platform=message.platform, sender_id=message.sender_id)
    return Q(platform=message.platform, sender_id="", sender_name=message.sender_name)


def open_cases_for(user: Any, finding: Finding) -> QuerySet[Case]:
    """Return the cases not yet closed of ``finding``'s sender that the user may see."""
    return (
        visible_cases(user)
        .filter(_same_sender(finding.message))
        .exclude(state=CaseState.CLOSED)
        .order_by("-opened_at", "-pk")
    )


# ── actions ──────────────────────────────────────────────────────────────────────────────


def _check_case(user: Any, case: Case) -> None:
    if user is None:
        return
    if not visible_cases(user).filter(pk=case.pk).exists():
        raise RegistryError(OUT_OF_SCOPE, "该个案不存在或不在您的管理范围内。")
    if not can_act_on_case(user, case):
        raise RegistryError(CASE_READ_ONLY, "您只能查看该个案，无权处理。")


def _check_finding(user: Any, finding: Finding) -> None:
    if user is None:
        return
    if not access.visible_findings(user).filter(pk=finding.pk).exists():
        raise RegistryError(OUT_OF_SCOPE, "该审查发现不存在或不在您的管理范围内。")
    if not access.can_act_on_finding(user, finding):
        raise RegistryError(CASE_READ_ONLY, "您只能查看该审查发现，无权处理。")


def _text(text: str, *, required: bool, name: str = "记录内容") -> str:
    text = (text or "").strip()
    if required and not text:
        raise RegistryError(CASE_TEXT_REQUIRED, f"请填写{name}。", field="text")
    if len(text) > TEXT_MAX_CHARS:
        raise RegistryError("invalid", f"{name}不能超过 {TEXT_MAX_CHARS} 个字。", field="text")
    return text


def _locked_case(case: Case) -> Case:
    return Case.objects.select_for_update(of=("self",)).select_related("unit").get(pk=case.pk)


def _me(user: Any) -> Any:
    return user if getattr(user, "pk", None) else None


def _roster_person(message: ChatMessage, group_id: int | None) -> Any:
    """Return the roster person the latest member list matched to the sender, if any."""
    if not message.sender_id or group_id is None:
        return None
    from qunguan.members.models import Member

    member = (
        Member.objects.filter(
            snapshot__group_id=group_id, platform_id=message.sender_id, person__isnull=False
        )
        .order_by("-snapshot__taken_at")
        .select_related("person")
        .first()
    )
    return member.person if member else None


def do_open_case(user: Any, finding: Finding, *, title: str = "", note: str = "") -> Case:
    """Open a case about ``finding``'s sender in the group's unit, with the finding attached.

    Raises ``RegistryError`` (``out_of_scope``, ``case_read_only``, ``case_unregistered_group``).
    """
    note = _text(note, required=False)
    title = (title or "").strip()
    if len(title) > TITLE_MAX_CHARS:
        raise RegistryError("invalid", f"案由不能超过 {TITLE_MAX_CHARS} 个字。", field="title")
    with transaction.atomic():
        finding = Finding.objects.select_related("message", "group__unit").get(pk=finding.pk)
        _check_finding(user, finding)
        return _open(user, finding, title=title, note=note)


def _open(user: Any, finding: Finding, *, title: str, note: str, escalation: bool = False) -> Case:
    if finding.group is None:
        raise RegistryError(CASE_UNREGISTERED, "未登记群组的审查发现不能立案，请先登记该群组。")
    message = finding.message
    title = title or f"{category_label(finding.category)}（{finding.group.name}）"
    case = Case.objects.create(
        platform=message.platform,
        sender_id=message.sender_id,
        sender_name=message.sender_name,
        person=_roster_person(message, finding.group_id),
        unit=finding.group.unit,
        group=finding.group,
        title=title,
        opened_by=_me(user),
        handler=_me(user),
    )
    case.findings.add(finding)
    CaseEntry.objects.create(
        case=case,
        kind=CaseEntryKind.ESCALATION if escalation else CaseEntryKind.FINDING,
        text=note or f"立案，关联审查发现 #{finding.pk}",
        author=_me(user),
    )
    how = "因上报" if escalation else ""
    log.append(
        actor=user,
        event=AuditEvent.CASE_OPENED,
        obj=case,
        unit_path=case.unit.path,
        summary=f"{how}就 {subject(case)} 立案：个案 #{case.pk}“{case.title}”，关联审查发现 #{finding.pk}",
        after={"state": case.state, "unit": case.unit_id, "findings": [finding.pk]},
    )
    return case


def do_attach_finding(user: Any, case: Case, finding: Finding, *, note: str = "") -> Case:
    """Attach ``finding`` (same sender) to the open ``case``; return the case.

    Raises ``RegistryError`` (``case_closed``, ``case_other_sender``, scope codes).
    """
    note = _text(note, required=False)
    with transaction.atomic():
        case = _locked_case(case)
        _check_case(user, case)
        finding = Finding.objects.select_related("message", "group__unit").get(pk=finding.pk)
        _check_finding(user, finding)
        return _attach(user, case, finding, note=note)


def _attach(user: Any, case: Case, finding: Finding, *, note: str, escalation: bool = False) -> Case:
    if case.state == CaseState.CLOSED:
        raise RegistryError(CASE_CLOSED, "个案已结案，不能再关联审查发现。")
    if not Case.objects.filter(pk=case.pk).filter(_same_sender(finding.message)).exists():
        raise RegistryError(CASE_OTHER_SENDER, "该审查发现的发送者不是本个案的当事人。")
    if case.findings.filter(pk=finding.pk).exists():
        return case
    case.findings.add(finding)
    CaseEntry.objects.create(
        case=case,
        kind=CaseEntryKind.ESCALATION if escalation else CaseEntryKind.FINDING,
        text=note or f"关联审查发现 #{finding.pk}",
        author=_me(user),
    )
    log.append(
        actor=user,
        event=AuditEvent.CASE_FINDING_ATTACHED,
        obj=case,
        unit_path=case.unit.path,
        summary=f"个案 #{case.pk} 关联审查发现 #{finding.pk}（{category_label(finding.category)}）"
        + ("，因上报" if escalation else ""),
        after={"finding": finding.pk},
    )
    return case


def attach_escalation(user: Any, finding: Finding, note: str) -> Case | None:
    """Attach an escalated ``finding`` to its sender's open case in the unit, else open one.

    Called by ``review`` inside the escalation's transaction; findings of unregistered groups
    have no unit to escalate to and get no case (returns None).
    """
    if finding.group is None:
        return None
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("unit")
        .filter(_same_sender(finding.message), unit=finding.group.unit)
        .exclude(state=CaseState.CLOSED)
        .order_by("-opened_at", "-pk")
        .first()
    )
    if case is None:
        return _open(user, finding, title="", note=note, escalation=True)
    return _attach(user, case, finding, note=note, escalation=True)


NOTE_KINDS = {
    CaseEntryKind.NOTE: "备注",
    CaseEntryKind.EDUCATION: "批评教育",
    CaseEntryKind.ESCALATION: "上报",
}


def do_add_case_note(user: Any, case: Case, *, kind: str = CaseEntryKind.NOTE, text: str) -> CaseEntry:
    """Add a note, a 批评教育 record or an 上报 record to ``case``; return it.

    Recording education or escalation on an open case puts it in handling (处理中).
    Raises ``RegistryError`` (``case_text_required``, ``case_closed``, scope codes).
    """
    if kind not in NOTE_KINDS:
        raise RegistryError("invalid", "记录类型须为备注、批评教育或上报。", field="kind")
    text = _text(text, required=True)
    with transaction.atomic():
        case = _locked_case(case)
        _check_case(user, case)
        if case.state == CaseState.CLOSED:
            raise RegistryError(CASE_CLOSED, "个案已结案，不能再添加记录。")
        before = {"state": case.state}
        if kind != CaseEntryKind.NOTE and case.state == CaseState.OPEN:
            case.state = CaseState.HANDLING
            case.handler = _me(user) or case.handler
            case.save(update_fields=["state", "handler"])
        entry = CaseEntry.objects.create(case=case, kind=kind, text=text, author=_me(user))
        log.append(
            actor=user,
            event=AuditEvent.CASE_NOTE_ADDED,
            obj=case,
            unit_path=case.unit.path,
            summary=f"个案 #{case.pk} 添加{NOTE_KINDS[CaseEntryKind(kind)]}记录",
            before=before,
            after={"state": case.state, "entry": entry.pk, "kind": kind},
        )
    return entry


def do_start_handling(user: Any, case: Case, *, note: str = "") -> Case:
    """Move an open case to handling (处理中) with the user as handler; return it."""
    note = _text(note, required=False)
    with transaction.atomic():
        case = _locked_case(case)
        _check_case(user, case)
        if case.state != CaseState.OPEN:
            raise RegistryError(CASE_WRONG_STATE, f"个案当前为“{case.get_state_display()}”，不能开始处理。")
        case.state = CaseState.HANDLING
        case.handler = _me(user) or case.handler
        case.save(update_fields=["state", "handler"])
        CaseEntry.objects.create(
            case=case, kind=CaseEntryKind.STATE, text=note or "开始处理", author=_me(user)
        )
        log.append(
            actor=user,
            event=AuditEvent.CASE_STATE_CHANGED,
            obj=case,
            unit_path=case.unit.path,
            summary=f"个案 #{case.pk} 开始处理",
            before={"state": CaseState.OPEN},
            after={"state": case.state},
        )
    return case


def do_close_case(user: Any, case: Case, *, outcome: str, note: str) -> Case:
    """Close ``case`` with ``outcome`` and a required note on what was done; return it.

    Raises ``RegistryError`` (``case_wrong_state`` when closed already, ``case_text_required``).
    """
    if outcome not in CaseOutcome.values:
        raise RegistryError("invalid", "请选择处理结果。", field="outcome")
    note = _text(note, required=True, name="结案说明")
    with transaction.atomic():
        case = _locked_case(case)
        _check_case(user, case)
        if case.state == CaseState.CLOSED:
            raise RegistryError(CASE_WRONG_STATE, "个案已结案。")
        before = {"state": case.state, "outcome": case.outcome}
        case.state = CaseState.CLOSED
        case.outcome = outcome
        case.closed_at = timezone.now()
        case.handler = _me(user) or case.handler
        case.save(update_fields=["state", "outcome", "closed_at", "handler"])
        CaseEntry.objects.create(case=case, kind=CaseEntryKind.STATE, text=note, author=_me(user))
        log.append(
            actor=user,
            event=AuditEvent.CASE_CLOSED,
            obj=case,
            unit_path=case.unit.path,
            summary=f"个案 #{case.pk} 结案：{CaseOutcome(outcome).label}",
            before=before,
            after={"state": case.state, "outcome": outcome},
        )
    return case


__all__ = [
    "CASE_CLOSED",
    "CASE_OTHER_SENDER",
    "CASE_READ_ONLY",
    "CASE_UNREGISTERED",
    "CASE_WRONG_STATE",
    "NotFound",
    "access_case",
    "attach_escalation",
    "can_act_on_case",
    "do_add_case_note",
    "do_attach_finding",
    "do_close_case",
    "do_open_case",
    "do_start_handling",
    "open_cases_for",
    "subject",
    "visible_cases",
]
