"""Approvals (审批) and account incidents (账号事件): the same workflow as the web pages.

Each endpoint fetches through ``approvals.access`` / ``incidents.access`` (404 for "not yours")
and takes the step through the domain action, which checks the role and records it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, Literal

from django.http import FileResponse, HttpRequest
from ninja import Field, File, Query, Router, Schema, Status, UploadedFile

from qunguan.api.errors import ApiError
from qunguan.api.routers import ERRORS, WRITE_ERRORS, actor, referenced_person
from qunguan.api.schemas import MAX_OFFSET
from qunguan.approvals import access as approval_access
from qunguan.approvals import actions
from qunguan.approvals.models import Approval
from qunguan.auditlog.events import AuditEvent
from qunguan.auditlog.log import entries_for
from qunguan.incidents import access as incident_access
from qunguan.incidents.actions import do_report_incident, do_set_incident_state
from qunguan.incidents.models import AccountIncident
from qunguan.registry import access
from qunguan.registry.actions import do_restore_group

router = Router(tags=["approvals 审批"])
incidents_router = Router(tags=["incidents 账号事件"])
restore_router = Router(tags=["groups 群组"])

KindCode = Literal["oversize", "handover", "retention", "official"]
StateCode = Literal["draft", "submitted", "approved", "rejected", "filed"]


class PersonRef(Schema):
    id: int
    name: str


class CommentOut(Schema):
    id: int
    author: str
    body: str
    created_at: dt.datetime


class AttachmentOut(Schema):
    id: int
    name: str
    file_type: str
    size: int
    uploaded_at: dt.datetime
    url: str


class TimelineEntry(Schema):
    seq: int
    created: dt.datetime
    actor: str
    event: str
    summary: str


class ApprovalOut(Schema):
    id: int
    kind: KindCode
    kind_label: str
    state: StateCode
    state_label: str
    group: PersonRef
    unit: PersonRef
    reason: str
    approver: PersonRef | None
    max_members: int | None
    valid_until: dt.date | None
    new_owner: PersonRef | None
    new_admins: list[PersonRef]
    supervising_person: PersonRef | None
    reject_reason: str
    submissions: int
    decided_on: dt.date | None
    created_at: dt.datetime
    steps: list[str] = Field(description="调用者现在可以执行的操作")


class ApprovalDetail(ApprovalOut):
    comments: list[CommentOut]
    attachments: list[AttachmentOut]
    timeline: list[TimelineEntry]


class ApprovalFilters(Schema):
    state: StateCode | None = None
    kind: KindCode | None = None
    group: int | None = None
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class ApprovalPage(Schema):
    total: int
    limit: int
    offset: int
    items: list[ApprovalOut]


class ApprovalIn(Schema):
    group_id: int
    kind: KindCode
    reason: str = Field("", max_length=2000)
    approver_id: int | None = Field(None, description="审批人（单位负责人）的用户 id；不填为最近的上级负责人")
    max_members: int | None = Field(None, ge=1)
    valid_until: dt.date | None = None
    new_owner_id: int | None = None
    new_admin_ids: list[int] = []
    supervising_person_id: int | None = None
    submit: bool = Field(False, description="创建后立即提交审批")


class ApprovalPatch(Schema):
    reason: str | None = Field(None, max_length=2000)
    approver_id: int | None = None
    max_members: int | None = Field(None, ge=1)
    valid_until: dt.date | None = None
    new_owner_id: int | None = None
    new_admin_ids: list[int] | None = None
    supervising_person_id: int | None = None


class RejectIn(Schema):
    reason: str = Field(min_length=1, max_length=2000)


class CommentIn(Schema):
    body: str = Field(min_length=1, max_length=2000)


def _user_ref(u: Any) -> dict[str, Any] | None:
    return None if u is None else {"id": u.pk, "name": str(u)}


def _ref(o: Any) -> dict[str, Any] | None:
    return None if o is None else {"id": o.pk, "name": o.name}


def _approval(user: Any, a: Approval, *, detail: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": a.pk,
        "kind": a.kind,
        "kind_label": a.get_kind_display(),
        "state": a.state,
        "state_label": a.get_state_display(),
        "group": _ref(a.group),
        "unit": _ref(a.group.unit),
        "reason": a.reason,
        "approver": _user_ref(a.approver),
        "max_members": a.max_members,
        "valid_until": a.valid_until,
        "new_owner": _ref(a.new_owner),
        "new_admins": [_ref(p) for p in a.new_admins.all()],
        "supervising_person": _ref(a.supervising_person),
        "reject_reason": a.reject_reason,
        "submissions": a.submissions,
        "decided_on": a.decided_on,
        "created_at": a.created_at,
        "steps": sorted(approval_access.allowed_steps(user, a)),
    }
    if detail:
        data["comments"] = [
            {"id": c.pk, "author": str(c.author or "系统"), "body": c.body, "created_at": c.created_at}
            for c in a.comments.select_related("author")
        ]
        data["attachments"] = [
            {
                "id": f.pk,
                "name": f.original_name,
                "file_type": f.file_type,
                "size": f.size,
                "uploaded_at": f.uploaded_at,
                "url": f"/api/approvals/{a.pk}/attachments/{f.pk}",
            }
            for f in a.attachments.all()
        ]
        data["timeline"] = [
            {
                "seq": e.seq,
                "created": e.created,
                "actor": e.actor_label,
                "event": AuditEvent(e.event_type).label,
                "summary": e.summary,
            }
            for e in entries_for("approval", a.pk).order_by("seq")
        ]
    return data


def _people(user: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Resolve the person ids of a request body through the user's scope."""
    out: dict[str, Any] = {}
    for field, key in (("new_owner_id", "new_owner"), ("supervising_person_id", "supervising_person")):
        if field in data:
            pid = data.pop(field)
            out[key] = referenced_person(user, pid, field) if pid is not None else None
    if "new_admin_ids" in data:
        ids = data.pop("new_admin_ids")
        if ids is not None:
            out["new_admins"] = [referenced_person(user, pid, "new_admin_ids") for pid in ids]
    if "approver_id" in data:
        uid = data.pop("approver_id")
        out["approver"] = None
        if uid is not None:
            out["approver"] = approval_access.eligible_approvers(data["_unit"]).filter(pk=uid).first()
            if out["approver"] is None:
                raise ApiError(422, "invalid", "审批人须为本单位或其上级单位的负责人。", field="approver_id")
    data.pop("_unit", None)
    return {**data, **out}


@router.get("", response={200: ApprovalPage, **ERRORS}, summary="审批申请列表")
def list_approvals(request: HttpRequest, filters: Query[ApprovalFilters]) -> Any:
    """Return the requests the caller may see, newest first."""
    user = actor(request)
    qs = approval_access.visible_approvals(user).select_related(
        "group", "group__unit", "approver", "new_owner", "supervising_person"
    )
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.group is not None:
        qs = qs.filter(group_id=filters.group)
    qs = qs.order_by("-created_at", "-pk")
    page = qs[filters.offset : filters.offset + filters.limit]
    return {
        "total": qs.count(),
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [_approval(user, a) for a in page],
    }


@router.get("/{approval_id}", response={200: ApprovalDetail, **ERRORS}, summary="审批申请详情")
def get_approval(request: HttpRequest, approval_id: int) -> Any:
    """Return one request with its comments, attachments and timeline."""
    user = actor(request)
    return _approval(user, approval_access.access_approval(user, approval_id), detail=True)


@router.post("", response={201: ApprovalDetail, **WRITE_ERRORS}, summary="发起审批申请")
def create_approval(request: HttpRequest, payload: ApprovalIn) -> Any:
    """Draft a request for a group of the caller's unit; ``submit`` sends it to the approver at once."""
    user = actor(request)
    data = payload.dict()
    group = access.access_group(user, data.pop("group_id"))
    submit = data.pop("submit")
    kind = data.pop("kind")
    data["_unit"] = group.unit
    approval = actions.do_create_request(user, group, kind=kind, **_people(user, data))
    if submit:
        actions.do_submit_request(user, approval)
    return Status(201, _approval(user, approval_access.access_approval(user, approval.pk), detail=True))


@router.patch("/{approval_id}", response={200: ApprovalDetail, **WRITE_ERRORS}, summary="修改审批申请")
def revise_approval(request: HttpRequest, approval_id: int, payload: ApprovalPatch) -> Any:
    """Change a draft or rejected request (the fields given)."""
    user = actor(request)
    approval = approval_access.access_approval(user, approval_id)
    data = payload.dict(exclude_unset=True)
    data["_unit"] = approval.group.unit
    changes = _people(user, data)
    new_admins = changes.pop("new_admins", None)
    actions.do_revise_request(user, approval, new_admins=new_admins, **changes)
    return _approval(user, approval_access.access_approval(user, approval_id), detail=True)


def _step(request: HttpRequest, approval_id: int, step: str, **kw: Any) -> Any:
    user = actor(request)
    approval = approval_access.access_approval(user, approval_id)
    steps: dict[str, Callable[..., Approval]] = {
        "submit": actions.do_submit_request,
        "approve": actions.do_approve_request,
        "reject": actions.do_reject_request,
        "file": actions.do_file_request,
    }
    fn = steps[step]
    fn(user, approval, **kw)
    return _approval(user, approval_access.access_approval(user, approval_id), detail=True)


@router.post("/{approval_id}/submit", response={200: ApprovalDetail, **WRITE_ERRORS}, summary="提交审批")
def submit_approval(request: HttpRequest, approval_id: int) -> Any:
    """Submit a draft or rejected request to its approver (the unit's liaison)."""
    return _step(request, approval_id, "submit")


@router.post("/{approval_id}/approve", response={200: ApprovalDetail, **WRITE_ERRORS}, summary="批准")
def approve_approval(request: HttpRequest, approval_id: int) -> Any:
    """Approve a submitted request (the chosen unit head); its effect reaches the registry."""
    return _step(request, approval_id, "approve")


@router.post("/{approval_id}/reject", response={200: ApprovalDetail, **WRITE_ERRORS}, summary="驳回")
def reject_approval(request: HttpRequest, approval_id: int, payload: RejectIn) -> Any:
    """Reject a submitted request with a reason (the chosen unit head)."""
    return _step(request, approval_id, "reject", reason=payload.reason)


@router.post("/{approval_id}/file", response={200: ApprovalDetail, **WRITE_ERRORS}, summary="备案")
def file_approval(request: HttpRequest, approval_id: int) -> Any:
    """File an approved request (党委宣传部)."""
    return _step(request, approval_id, "file")


@router.post("/{approval_id}/comments", response={201: CommentOut, **WRITE_ERRORS}, summary="留言")
def comment_approval(request: HttpRequest, approval_id: int, payload: CommentIn) -> Any:
    user = actor(request)
    c = actions.do_comment(user, approval_access.access_approval(user, approval_id), payload.body)
    return Status(201, {"id": c.pk, "author": str(user), "body": c.body, "created_at": c.created_at})


@router.post(
    "/{approval_id}/attachments", response={201: AttachmentOut, **WRITE_ERRORS}, summary="上传签字盖章扫描件"
)
def attach_to_approval(request: HttpRequest, approval_id: int, file: File[UploadedFile]) -> Any:
    """Attach a PDF/JPG/PNG scan; the content must match the extension."""
    user = actor(request)
    approval = approval_access.access_approval(user, approval_id)
    f = actions.do_attach_file(user, approval, file)
    return Status(
        201,
        {
            "id": f.pk,
            "name": f.original_name,
            "file_type": f.file_type,
            "size": f.size,
            "uploaded_at": f.uploaded_at,
            "url": f"/api/approvals/{approval.pk}/attachments/{f.pk}",
        },
    )


@router.get("/{approval_id}/attachments/{attachment_id}", response={200: None, **ERRORS}, summary="下载附件")
def download_attachment(request: HttpRequest, approval_id: int, attachment_id: int) -> Any:
    attachment = approval_access.access_attachment(actor(request), approval_id, attachment_id)
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name)


# ---------------------------------------------------------------- restore (3(5))


@restore_router.post(
    "/{group_id}/restore", response={200: dict[str, Any], **WRITE_ERRORS}, summary="恢复已解散群组"
)
def restore_group(request: HttpRequest, group_id: int) -> Any:
    """Bring a dissolved group back within ``QUNGUAN_RESTORE_DAYS`` of its dissolution."""
    user = actor(request)
    group = do_restore_group(user, access.access_group(user, group_id, manage=True))
    return {"id": group.pk, "status": group.status}


# ---------------------------------------------------------------- incidents (3(6))


class IncidentIn(Schema):
    platform: Literal["qq", "wechat"]
    account: str = Field(min_length=1, max_length=64)
    kind: Literal["lost", "stolen", "lent"]
    description: str = Field("", max_length=2000)


class IncidentStateIn(Schema):
    state: Literal["handling", "closed"]
    resolution: str = Field("", max_length=2000)


class IncidentOut(Schema):
    id: int
    platform: str
    account: str
    kind: str
    kind_label: str
    state: str
    state_label: str
    reported_at: dt.datetime
    groups: list[PersonRef] = Field(description="调用者可见的涉及群组")
    resolution: str


def _incident(user: Any, i: AccountIncident) -> dict[str, Any]:
    visible = access.visible_groups(user).values_list("pk", flat=True)
    return {
        "id": i.pk,
        "platform": i.platform,
        "account": i.account,
        "kind": i.kind,
        "kind_label": i.get_kind_display(),
        "state": i.state,
        "state_label": i.get_state_display(),
        "reported_at": i.reported_at,
        "groups": [_ref(g) for g in i.groups.filter(pk__in=visible)],
        "resolution": i.resolution,
    }


@incidents_router.get("", response={200: list[IncidentOut], **ERRORS}, summary="账号事件列表")
def list_incidents(request: HttpRequest) -> Any:
    user = actor(request)
    return [_incident(user, i) for i in incident_access.visible_incidents(user)[:500]]


@incidents_router.post("", response={201: IncidentOut, **WRITE_ERRORS}, summary="报告账号遗失、被盗或出借")
def report_incident(request: HttpRequest, payload: IncidentIn) -> Any:
    """Anyone logged in may report; the account is flagged in every group it is in."""
    user = actor(request)
    return Status(201, _incident(user, do_report_incident(user, **payload.dict())))


@incidents_router.post(
    "/{incident_id}/state", response={200: IncidentOut, **WRITE_ERRORS}, summary="处理或关闭"
)
def set_incident_state(request: HttpRequest, incident_id: int, payload: IncidentStateIn) -> Any:
    user = actor(request)
    incident = incident_access.access_incident(user, incident_id)
    return _incident(user, do_set_incident_state(user, incident, **payload.dict()))
