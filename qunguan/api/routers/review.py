"""The review queue (审查队列) over the API: findings with filters, one finding, and handling it.

Findings come through ``qunguan.chats.access`` like on the web: out of scope is 404, read-only
roles get 403 on actions. Texts are masked and senders pseudonymised exactly as on screen.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from qunguan.api.errors import ApiError
from qunguan.api.routers import ERRORS, WRITE_ERRORS, actor
from qunguan.api.schemas import MAX_OFFSET
from qunguan.audit.finding import Severity
from qunguan.audit.labels import SEVERITY_LABELS, category_label
from qunguan.chats import access, allowlist, cases, review
from qunguan.chats import sender_warnings as warnings
from qunguan.chats.models import Case, Finding
from qunguan.chats.privacy import masked_text, pseudonym, shown_evidence
from qunguan.registry import access as registry_access

router = Router(tags=["review 审查队列"])

Action = Literal["dismiss", "confirm", "escalate", "reopen", "warn", "allowlist", "open_case", "attach_case"]
BulkAction = Literal["dismiss", "confirm", "escalate", "reopen"]


class Ref(Schema):
    id: int
    name: str


class FindingItem(Schema):
    id: int
    category: str
    category_label: str
    rule: str
    severity: int
    severity_label: str
    score: float
    explanation: str
    evidence: str = Field(description="已脱敏的证据")
    text: str = Field(description="已脱敏的消息全文")
    sender: str = Field(description="发送者代号（未显示真实身份）")
    sent_at: dt.datetime
    group: Ref | None
    group_name: str = Field(description="群组名称；未登记群组为导出时的名称")
    unit: Ref | None
    status: str
    status_label: str
    handled_by: str | None
    handled_at: dt.datetime | None
    note: str
    can_act: bool
    cases: list[int]


class FindingPage(Schema):
    total: int
    limit: int
    offset: int
    items: list[FindingItem]


class FindingFilters(Schema):
    unit: int | None = Field(None, description="单位 id（含下级）")
    group: int | None = Field(None, description="群组 id")
    category: str | None = None
    severity: int | None = Field(None, ge=1, le=4)
    status: Literal["open", "confirmed", "dismissed", "escalated", "all"] = "open"
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class ActIn(Schema):
    action: Action
    note: str = Field("", max_length=2000, description="说明；上报时必填")
    scope: Literal["unit", "school"] = Field("unit", description="白名单范围（allowlist）")
    kind: Literal["phrase", "sender_rule"] = Field("phrase", description="白名单类型（allowlist）")
    phrase: str = Field("", max_length=200, description="白名单短语，默认为命中文字（allowlist）")
    text: str = Field("", max_length=500, description="警告内容，默认为标准提醒（warn）")
    case_id: int | None = Field(None, description="要关联的个案（attach_case）")


class ActOut(Schema):
    finding: FindingItem
    warning_id: int | None = None
    allowlist_entry_id: int | None = None
    case_id: int | None = None


class BulkIn(Schema):
    action: BulkAction
    ids: list[int] = Field(min_length=1, max_length=500)
    note: str = Field("", max_length=1000)


class BulkOut(Schema):
    changed: list[int]
    skipped: list[int]


def _item(user: Any, f: Finding, actionable: set[int]) -> dict[str, Any]:
    message = f.message
    siblings = message.findings.all()
    return {
        "id": f.pk,
        "category": f.category,
        "category_label": category_label(f.category),
        "rule": f.rule,
        "severity": f.severity,
        "severity_label": SEVERITY_LABELS.get(Severity(f.severity), str(f.severity)),
        "score": round(f.score, 3),
        "explanation": f.explanation,
        "evidence": shown_evidence(f, siblings),
        "text": masked_text(message, siblings),
        "sender": pseudonym(message),
        "sent_at": message.sent_at,
        "group": {"id": f.group.pk, "name": f.group.name} if f.group else None,
        "group_name": f.group.name if f.group else (message.group_name or message.group_account),
        "unit": {"id": f.group.unit.pk, "name": f.group.unit.name} if f.group else None,
        "status": f.status,
        "status_label": f.get_status_display(),
        "handled_by": str(f.handled_by) if f.handled_by else None,
        "handled_at": f.handled_at,
        "note": f.note,
        "can_act": f.pk in actionable,
        "cases": list(cases.visible_cases(user).filter(findings=f).values_list("pk", flat=True)),
    }


def _filtered(user: Any, filters: FindingFilters) -> QuerySet[Finding]:
    qs = access.visible_findings(user)
    if filters.status != "all":
        qs = qs.filter(status=filters.status)
    if filters.unit is not None:
        unit = registry_access.access_unit(user, filters.unit)
        qs = qs.filter(group__unit__path__startswith=unit.path)
    if filters.group is not None:
        qs = qs.filter(group=registry_access.access_group(user, filters.group))
    if filters.category:
        qs = qs.filter(category=filters.category)
    if filters.severity is not None:
        qs = qs.filter(severity=filters.severity)
    if filters.date_from:
        qs = qs.filter(sent_at__date__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(sent_at__date__lte=filters.date_to)
    return qs


def _actionable(user: Any, ids: list[int]) -> set[int]:
    return set(access.actionable_findings(user).filter(pk__in=ids).values_list("pk", flat=True))


def _one(user: Any, finding_id: int) -> dict[str, Any]:
    f = access.access_finding(user, finding_id)
    return _item(user, f, _actionable(user, [f.pk]))


@router.get("/findings", response={200: FindingPage, **ERRORS}, summary="审查发现列表")
def list_findings(request: HttpRequest, filters: Query[FindingFilters]) -> Any:
    """Return the caller's findings matching the filters (open ones by default), most severe first."""
    user = actor(request)
    qs = (
        _filtered(user, filters)
        .select_related("message", "group__unit", "handled_by")
        .prefetch_related("message__findings")
        .order_by("-severity", "-sent_at", "-pk")
    )
    page = list(qs[filters.offset : filters.offset + filters.limit])
    actionable = _actionable(user, [f.pk for f in page])
    return {
        "total": qs.count(),
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [_item(user, f, actionable) for f in page],
    }


@router.get("/findings/{finding_id}", response={200: FindingItem, **ERRORS}, summary="审查发现详情")
def get_finding(request: HttpRequest, finding_id: int) -> Any:
    """Return one finding, masked like the queue."""
    return _one(actor(request), finding_id)


@router.post("/findings/{finding_id}/act", response={200: ActOut, **WRITE_ERRORS}, summary="处置审查发现")
def act_on_finding(request: HttpRequest, finding_id: int, payload: ActIn) -> Any:
    """Handle one finding: dismiss, confirm, escalate (note required), reopen, warn the sender,
    dismiss and allow-list, open a case or attach it to one. Every action is audit-logged."""
    user = actor(request)
    finding = access.access_finding(user, finding_id)
    if not access.can_act_on_finding(user, finding):
        raise ApiError(403, review.READ_ONLY, "您只能查看该审查发现，无权处理。")
    out: dict[str, Any] = {}
    if payload.action == "dismiss":
        review.do_dismiss_finding(user, finding, reason=payload.note)
    elif payload.action == "confirm":
        review.do_confirm_finding(user, finding, note=payload.note)
    elif payload.action == "escalate":
        review.do_escalate_finding(user, finding, note=payload.note)
    elif payload.action == "reopen":
        review.do_reopen_finding(user, finding, reason=payload.note)
    elif payload.action == "warn":
        out["warning_id"] = warnings.do_warn_sender(user, finding, text=payload.text).pk
    elif payload.action == "allowlist":
        entry = allowlist.do_dismiss_and_allowlist(
            user, finding, kind=payload.kind, scope=payload.scope, phrase=payload.phrase, reason=payload.note
        )
        out["allowlist_entry_id"] = entry.pk
    elif payload.action == "open_case":
        out["case_id"] = cases.do_open_case(user, finding, note=payload.note).pk
    else:
        if payload.case_id is None:
            raise ApiError(422, "invalid", "请指定要关联的个案。", field="case_id")
        try:
            case = cases.access_case(user, payload.case_id)
        except cases.NotFound:
            raise ApiError(422, "invalid", "个案不存在，或不在您的管理范围内。", field="case_id") from None
        out["case_id"] = cases.do_attach_finding(user, case, finding, note=payload.note).pk
    return {"finding": _one(user, finding_id), **out}


BULK: dict[str, tuple[Callable[..., list[Finding]], str]] = {
    "dismiss": (review.do_dismiss_findings, "reason"),
    "confirm": (review.do_confirm_findings, "note"),
    "escalate": (review.do_escalate_findings, "note"),
    "reopen": (review.do_reopen_findings, "reason"),
}


@router.post("/bulk", response={200: BulkOut, **WRITE_ERRORS}, summary="批量处置")
def bulk_act(request: HttpRequest, payload: BulkIn) -> Any:
    """Apply one decision to many findings; all or nothing on permission, decided ones skipped."""
    user = actor(request)
    ids = sorted(set(payload.ids))
    findings = list(access.visible_findings(user).filter(pk__in=ids).select_related("group__unit"))
    if len(findings) != len(ids):
        raise ApiError(404, "not_found", "审查发现不存在，或不在您的管理范围内。", field="ids")
    if not all(access.can_act_on_finding(user, f) for f in findings):
        raise ApiError(403, review.READ_ONLY, "您只能查看这些审查发现，无权处理。", field="ids")
    do, note_arg = BULK[payload.action]
    changed = [f.pk for f in do(user, findings, **{note_arg: payload.note})]
    return {"changed": changed, "skipped": [i for i in ids if i not in changed]}


class CaseEntryOut(Schema):
    kind: str
    kind_label: str
    text: str
    author: str | None
    created_at: dt.datetime


class CaseOut(Schema):
    id: int
    title: str
    subject: str = Field(description="当事人代号")
    unit: Ref
    group: Ref | None
    state: str
    state_label: str
    outcome: str
    outcome_label: str
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    handler: str | None
    findings: list[int]
    can_act: bool


class CaseDetail(CaseOut):
    entries: list[CaseEntryOut]


class CasePage(Schema):
    total: int
    limit: int
    offset: int
    items: list[CaseOut]


class CaseFilters(Schema):
    state: Literal["open", "handling", "closed"] | None = None
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class CaseNoteIn(Schema):
    kind: Literal["note", "education", "escalation"] = "note"
    text: str = Field(min_length=1, max_length=2000)


class CaseCloseIn(Schema):
    outcome: Literal["education", "escalation", "accountability", "no_action"]
    note: str = Field(min_length=1, max_length=2000)


def _case(user: Any, case: Case, *, detail: bool = False) -> dict[str, Any]:
    visible = access.visible_findings(user)
    data: dict[str, Any] = {
        "id": case.pk,
        "title": case.title,
        "subject": cases.subject(case),
        "unit": {"id": case.unit.pk, "name": case.unit.name},
        "group": {"id": case.group.pk, "name": case.group.name} if case.group else None,
        "state": case.state,
        "state_label": case.get_state_display(),
        "outcome": case.outcome,
        "outcome_label": case.get_outcome_display() if case.outcome else "",
        "opened_at": case.opened_at,
        "closed_at": case.closed_at,
        "handler": str(case.handler) if case.handler else None,
        "findings": sorted(case.findings.filter(pk__in=visible.values("pk")).values_list("pk", flat=True)),
        "can_act": cases.can_act_on_case(user, case),
    }
    if detail:
        data["entries"] = [
            {
                "kind": e.kind,
                "kind_label": e.get_kind_display(),
                "text": e.text,
                "author": str(e.author) if e.author else None,
                "created_at": e.created_at,
            }
            for e in case.entries.select_related("author")
        ]
    return data


@router.get("/cases", response={200: CasePage, **ERRORS}, summary="个案列表")
def list_cases(request: HttpRequest, filters: Query[CaseFilters]) -> Any:
    """Return the caller's cases (管理办法 4(3)), open ones first, newest first."""
    user = actor(request)
    qs = cases.visible_cases(user).select_related("unit", "group", "handler")
    if filters.state:
        qs = qs.filter(state=filters.state)
    qs = qs.order_by("state", "-opened_at", "-pk")
    page = qs[filters.offset : filters.offset + filters.limit]
    return {
        "total": qs.count(),
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [_case(user, c) for c in page],
    }


@router.get("/cases/{case_id}", response={200: CaseDetail, **ERRORS}, summary="个案详情")
def get_case(request: HttpRequest, case_id: int) -> Any:
    """Return one case with its record."""
    user = actor(request)
    return _case(user, cases.access_case(user, case_id), detail=True)


def _actable_case(user: Any, case_id: int) -> Case:
    case = cases.access_case(user, case_id)
    if not cases.can_act_on_case(user, case):
        raise ApiError(403, cases.CASE_READ_ONLY, "您只能查看该个案，无权处理。")
    return case


@router.post("/cases/{case_id}/notes", response={200: CaseDetail, **WRITE_ERRORS}, summary="添加个案记录")
def add_case_note(request: HttpRequest, case_id: int, payload: CaseNoteIn) -> Any:
    """Record a note, a 批评教育 talk or an 上报; education or escalation puts an open case in handling."""
    user = actor(request)
    case = _actable_case(user, case_id)
    cases.do_add_case_note(user, case, kind=payload.kind, text=payload.text)
    return _case(user, cases.access_case(user, case_id), detail=True)


@router.post("/cases/{case_id}/close", response={200: CaseDetail, **WRITE_ERRORS}, summary="结案")
def close_case(request: HttpRequest, case_id: int, payload: CaseCloseIn) -> Any:
    """Close the case with its outcome and a note on what was done."""
    user = actor(request)
    case = _actable_case(user, case_id)
    cases.do_close_case(user, case, outcome=payload.outcome, note=payload.note)
    return _case(user, cases.access_case(user, case_id), detail=True)


__all__ = ["router"]
