"""The approval workflow (审批): one state machine for every kind, each step one audit entry.

    draft ──submit──► submitted ──approve──► approved ──file──► filed
      ▲                   │
      └─revise/submit── rejected ◄──reject (with reason)

The unit's liaison (unit manager) drafts, revises and submits; the unit head chosen as the
approver approves or rejects; the Propaganda Department (supervisor) files. An approval takes
effect when approved: a handover changes the registry, an official-group request marks the
group official; over-150 and retention approvals are consulted by the registry checks.
Notices go out after commit (``notices.send_notice``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from qunguan.accounts.models import Role, RoleAssignment, User
from qunguan.approvals import access as approval_access
from qunguan.approvals.attachments import check_attachment
from qunguan.approvals.models import (
    EDITABLE_STATES,
    Approval,
    ApprovalAttachment,
    ApprovalComment,
    ApprovalKind,
    ApprovalState,
)
from qunguan.approvals.notices import send_notice
from qunguan.auditlog import log
from qunguan.auditlog.events import AuditEvent
from qunguan.registry import access, errors
from qunguan.registry.actions import _require_manage, do_handover_group, do_mark_official
from qunguan.registry.errors import RegistryError
from qunguan.registry.models import Group, GroupStatus, Person

REQUEST_FIELDS = ("reason", "approver", "max_members", "valid_until", "new_owner", "supervising_person")


@transaction.atomic
def do_record_approval(
    actor: Any,
    group: Group,
    *,
    kind: ApprovalKind | str,
    approved_by: Person | None,
    decided_on: dt.date,
    reason: str = "",
    max_members: int | None = None,
    state: ApprovalState | str = ApprovalState.FILED,
) -> Approval:
    """Put a signed approval (e.g. over-150) on file for ``group`` and return it."""
    _require_manage(actor, group.unit)
    approval = Approval.objects.create(
        kind=ApprovalKind(kind),
        group=group,
        state=ApprovalState(state),
        approved_by=approved_by,
        decided_on=decided_on,
        reason=reason,
        max_members=max_members,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    log.append(
        actor=actor,
        event=AuditEvent.APPROVAL_RECORDED,
        obj=approval,
        unit_path=group.unit.path,
        summary=f"为群组“{group.name}”登记{approval.get_kind_display()}",
        after={
            "kind": approval.kind,
            "group": group.pk,
            "state": approval.state,
            "approved_by": approved_by.pk if approved_by else None,
            "decided_on": decided_on,
            "max_members": max_members,
        },
    )
    return approval


# ---------------------------------------------------------------- helpers


def _snapshot(a: Approval) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": a.kind,
        "group": a.group_id,
        "state": a.state,
        "reason": a.reason,
        "approver": a.approver_id,
        "max_members": a.max_members,
        "valid_until": a.valid_until,
        "new_owner": a.new_owner_id,
        "supervising_person": a.supervising_person_id,
    }
    if a.pk:
        data["new_admins"] = sorted(a.new_admins.values_list("pk", flat=True))
    return data


def _link(a: Approval) -> str:
    return reverse("approval_detail", args=[a.pk])


def _title(a: Approval) -> str:
    return f"“{a.group.name}”的{a.get_kind_display()}"


def _require_state(a: Approval, *states: str, doing: str) -> None:
    if a.state not in states:
        raise RegistryError(
            errors.BAD_STATE, f"审批申请当前为“{a.get_state_display()}”，不能{doing}。", field="state"
        )


def _require_requester(actor: Any, group: Group) -> None:
    if actor is not None and not approval_access.can_request(actor, group):
        raise RegistryError(errors.OUT_OF_SCOPE, f"只有“{group.unit.name}”的联络人可以办理该群组的审批申请。")


def _unit_managers(group: Group) -> list[User]:
    paths = [
        p for p in (group.unit.path[: i + 1] for i, c in enumerate(group.unit.path) if c == "/") if p != "/"
    ]
    ids = RoleAssignment.objects.filter(role=Role.UNIT_MANAGER, unit__path__in=paths).values("user")
    return list(User.objects.filter(pk__in=ids, is_active=True))


def _supervisors() -> list[User]:
    ids = RoleAssignment.objects.filter(role=Role.SUPERVISOR).values("user")
    return list(User.objects.filter(pk__in=ids, is_active=True))


def _validate(a: Approval, new_admins: list[Person], *, submitting: bool) -> None:
    """Check the kind's own fields; on submit also what the approver must see. Raises RegistryError."""
    group = a.group
    if (
        a.approver_id is not None
        and not approval_access.eligible_approvers(group.unit).filter(pk=a.approver_id).exists()
    ):
        raise RegistryError(
            errors.INVALID, f"审批人须为“{group.unit.name}”或其上级单位的负责人。", field="approver"
        )
    for person, label in ((a.new_owner, "新群主"), (a.supervising_person, "专人监管")):
        if person is not None and not person.active:
            raise RegistryError(errors.INVALID, f"{label}{person.name}已不在校/在岗。", field="new_owner")
    for person in new_admins:
        if not person.active:
            raise RegistryError(errors.INVALID, f"新管理员{person.name}已不在校/在岗。", field="new_admins")
    if group.status == GroupStatus.DISSOLVED:
        raise RegistryError(errors.INVALID, f"群组“{group.name}”已解散，不能再申请审批。", field="group")
    if a.kind == ApprovalKind.OVERSIZE:
        if a.max_members is not None and a.max_members <= settings.QUNGUAN_MAX_GROUP_SIZE:
            raise RegistryError(
                errors.INVALID,
                f"批准人数上限须大于 {settings.QUNGUAN_MAX_GROUP_SIZE} 人，否则无需审批。",
                field="max_members",
            )
        if submitting and a.max_members is None:
            raise RegistryError(errors.INVALID, "请填写申请的人数上限。", field="max_members")
    elif a.kind == ApprovalKind.HANDOVER:
        if submitting and a.new_owner is None and not new_admins:
            raise RegistryError(errors.INVALID, "请填写新群主或新管理员。", field="new_owner")
    elif a.kind == ApprovalKind.RETENTION:
        if group.status != GroupStatus.TEMPORARY:
            raise RegistryError(
                errors.INVALID, f"群组“{group.name}”不是临时群，无需保留审批。", field="group"
            )
        if submitting and a.supervising_person is None:
            raise RegistryError(errors.INVALID, "保留临时群须指定专人监管。", field="supervising_person")
    elif a.kind == ApprovalKind.OFFICIAL:
        if group.is_official:
            raise RegistryError(errors.INVALID, f"群组“{group.name}”已是官方群。", field="group")
        other = Group.objects.filter(unit=group.unit, is_official=True).exclude(status=GroupStatus.DISSOLVED)
        first = other.first()
        if first is not None:
            raise RegistryError(
                errors.DUPLICATE_OFFICIAL,
                f"“{group.unit.name}”已有官方群“{first.name}”，每个单位只建一个官方群。",
                field="group",
            )
    if submitting:
        if not a.reason.strip():
            raise RegistryError(errors.INVALID, "请填写申请理由。", field="reason")
        if a.approver_id is None:
            raise RegistryError(
                errors.INVALID,
                f"请选择审批人；“{group.unit.name}”还没有负责人账号时请联系党委宣传部。",
                field="approver",
            )


# ---------------------------------------------------------------- the workflow


@transaction.atomic
def do_create_request(
    actor: Any,
    group: Group,
    *,
    kind: ApprovalKind | str,
    reason: str = "",
    approver: User | None = None,
    max_members: int | None = None,
    valid_until: dt.date | None = None,
    new_owner: Person | None = None,
    new_admins: Iterable[Person] = (),
    supervising_person: Person | None = None,
) -> Approval:
    """Draft a request (草稿) for ``group``; the approver defaults to the nearest unit head. Return it.

    Raises RegistryError (``out_of_scope``, ``invalid``, ``duplicate_official``).
    """
    _require_requester(actor, group)
    approval = Approval(
        kind=ApprovalKind(kind),
        group=group,
        state=ApprovalState.DRAFT,
        reason=reason,
        approver=approver or approval_access.nearest_approver(group.unit),
        max_members=max_members,
        valid_until=valid_until,
        new_owner=new_owner,
        supervising_person=supervising_person,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    admins = list(new_admins)
    _validate(approval, admins, submitting=False)
    approval.save()
    approval.new_admins.set(admins)
    log.append(
        actor=actor,
        event=AuditEvent.APPROVAL_REQUEST_CREATED,
        obj=approval,
        unit_path=group.unit.path,
        summary=f"新建{_title(approval)}申请（草稿）",
        after=_snapshot(approval),
    )
    return approval


@transaction.atomic
def do_revise_request(
    actor: Any, approval: Approval, *, new_admins: Iterable[Person] | None = None, **changes: Any
) -> Approval:
    """Change a draft or rejected request's fields (``REQUEST_FIELDS``); return it."""
    _require_requester(actor, approval.group)
    _require_state(approval, *EDITABLE_STATES, doing="修改")
    before = _snapshot(approval)
    for key, value in changes.items():
        if key in REQUEST_FIELDS:
            setattr(approval, key, value)
    admins = list(new_admins) if new_admins is not None else list(approval.new_admins.all())
    _validate(approval, admins, submitting=False)
    approval.save()
    if new_admins is not None:
        approval.new_admins.set(admins)
    after = _snapshot(approval)
    changed = [k for k in after if before.get(k) != after.get(k)]
    if changed:
        log.append(
            actor=actor,
            event=AuditEvent.APPROVAL_REQUEST_REVISED,
            obj=approval,
            unit_path=approval.group.unit.path,
            summary=f"修改{_title(approval)}申请",
            before={k: before.get(k) for k in changed},
            after={k: after.get(k) for k in changed},
        )
    return approval


@transaction.atomic
def do_submit_request(actor: Any, approval: Approval) -> Approval:
    """Submit a draft or rejected request to its approver (提交/重新提交); return it."""
    _require_requester(actor, approval.group)
    _require_state(approval, *EDITABLE_STATES, doing="提交")
    _validate(approval, list(approval.new_admins.all()), submitting=True)
    before = approval.state
    approval.state = ApprovalState.SUBMITTED
    approval.submissions += 1
    approval.submitted_at = timezone.now()
    approval.save()
    again = before == ApprovalState.REJECTED
    log.append(
        actor=actor,
        event=AuditEvent.APPROVAL_REQUEST_SUBMITTED,
        obj=approval,
        unit_path=approval.group.unit.path,
        summary=f"{'重新提交' if again else '提交'}{_title(approval)}申请，待{approval.approver}审批",
        before={"state": before},
        after={
            "state": approval.state,
            "approver": approval.approver_id,
            "submissions": approval.submissions,
        },
    )
    send_notice(
        [approval.approver],
        subject=f"待审批：{_title(approval)}",
        body=f"{actor or '系统'}{'重新' if again else ''}提交了{_title(approval)}申请，请审批。理由：{approval.reason}",
        severity="medium",
        link=_link(approval),
        key=f"approval:{approval.pk}:submitted:{approval.submissions}",
    )
    return approval


def _require_approver(actor: Any, approval: Approval) -> None:
    if actor is not None and not approval_access.can_decide(actor, approval):
        raise RegistryError(errors.OUT_OF_SCOPE, f"只有选定的审批人{approval.approver or ''}可以审批该申请。")


@transaction.atomic
def do_approve_request(actor: Any, approval: Approval, *, on: dt.date | None = None) -> Approval:
    """Approve a submitted request (批准) and apply its effect to the registry; return it.

    Handover: the group's owner/admins change (``registry.do_handover_group``). Official: the
    group is marked official. Over-150 and retention take effect through the registry checks.
    """
    _require_approver(actor, approval)
    _require_state(approval, ApprovalState.SUBMITTED, doing="批准")
    _validate(approval, list(approval.new_admins.all()), submitting=True)
    approval.state = ApprovalState.APPROVED
    approval.decided_at = timezone.now()
    approval.decided_on = on or timezone.localdate()
    approval.approved_by = getattr(actor, "person", None)
    approval.reject_reason = ""
    approval.save()
    log.append(
        actor=actor,
        event=AuditEvent.APPROVAL_REQUEST_APPROVED,
        obj=approval,
        unit_path=approval.group.unit.path,
        summary=f"批准{_title(approval)}申请",
        before={"state": ApprovalState.SUBMITTED},
        after={"state": approval.state, "decided_on": approval.decided_on},
    )
    group = approval.group
    if approval.kind == ApprovalKind.HANDOVER:
        admins = list(approval.new_admins.all())
        do_handover_group(actor, group, owner=approval.new_owner, admins=admins or None, approval=approval)
    elif approval.kind == ApprovalKind.OFFICIAL:
        do_mark_official(actor, group, approval=approval)
    send_notice(
        [approval.created_by, *_unit_managers(group), *_supervisors()],
        subject=f"已批准：{_title(approval)}",
        body=f"{actor or '系统'}批准了{_title(approval)}申请，请党委宣传部备案。",
        link=_link(approval),
        key=f"approval:{approval.pk}:approved",
    )
    return approval


@transaction.atomic
def do_reject_request(actor: Any, approval: Approval, *, reason: str) -> Approval:
    """Reject a submitted request with a reason (驳回); the unit may revise and resubmit. Return it."""
    _require_approver(actor, approval)
    _require_state(approval, ApprovalState.SUBMITTED, doing="驳回")
    if not reason.strip():
        raise RegistryError(errors.INVALID, "驳回须填写理由。", field="reason")
    approval.state = ApprovalState.REJECTED
    approval.reject_reason = reason.strip()
    approval.decided_at = timezone.now()
    approval.save()
    log.append(
        actor=actor,
        event=AuditEvent.APPROVAL_REQUEST_REJECTED,
        obj=approval,
        unit_path=approval.group.unit.path,
        summary=f"驳回{_title(approval)}申请：{approval.reject_reason}",
        before={"state": ApprovalState.SUBMITTED},
        after={"state": approval.state, "reject_reason": approval.reject_reason},
    )
    send_notice(
        [approval.created_by, *_unit_managers(approval.group)],
        subject=f"已驳回：{_title(approval)}",
        body=f"{actor or '系统'}驳回了{_title(approval)}申请。理由：{approval.reject_reason}。修改后可重新提交。",
        severity="medium",
        link=_link(approval),
        key=f"approval:{approval.pk}:rejected:{approval.submissions}",
    )
    return approval


@transaction.atomic
def do_file_request(actor: Any, approval: Approval) -> Approval:
    """File an approved request with the Propaganda Department (备案); return it.

    An over-150 request needs the signed and stamped scan attached first (3(2)).
    """
    if actor is not None and not approval_access.can_file(actor):
        raise RegistryError(errors.OUT_OF_SCOPE, "只有党委宣传部可以备案。")
    _require_state(approval, ApprovalState.APPROVED, doing="备案")
    if approval.kind == ApprovalKind.OVERSIZE and not approval.attachments.exists():
        raise RegistryError(
            errors.INVALID, "超150人审批须附负责人签字盖章的扫描件后才能备案。", field="attachments"
        )
    approval.state = ApprovalState.FILED
    approval.filed_at = timezone.now()
    approval.filed_by = actor if getattr(actor, "pk", None) else None
    approval.save()
    log.append(
        actor=actor,
        event=AuditEvent.APPROVAL_REQUEST_FILED,
        obj=approval,
        unit_path=approval.group.unit.path,
        summary=f"{_title(approval)}已报党委宣传部备案",
        before={"state": ApprovalState.APPROVED},
        after={"state": approval.state},
    )
    send_notice(
        [approval.created_by, *_unit_managers(approval.group), approval.approver],
        subject=f"已备案：{_title(approval)}",
        body=f"{_title(approval)}已由党委宣传部备案。",
        link=_link(approval),
        key=f"approval:{approval.pk}:filed",
    )
    return approval


@transaction.atomic
def do_comment(actor: Any, approval: Approval, body: str) -> ApprovalComment:
    """Add a comment (留言) by anyone who can see the request; return it."""
    if actor is not None and not approval_access.visible_approvals(actor).filter(pk=approval.pk).exists():
        raise RegistryError(errors.OUT_OF_SCOPE, "您无权查看该审批申请。")
    text = body.strip()
    if not text:
        raise RegistryError(errors.INVALID, "留言不能为空。", field="body")
    if len(text) > 2000:
        raise RegistryError(errors.INVALID, "留言最多 2000 字。", field="body")
    comment = ApprovalComment.objects.create(
        approval=approval, author=actor if getattr(actor, "pk", None) else None, body=text
    )
    log.append(
        actor=actor,
        event=AuditEvent.APPROVAL_COMMENTED,
        obj=approval,
        unit_path=approval.group.unit.path,
        summary=f"{_title(approval)}申请留言",
        after={"comment": comment.pk, "body": text[:200]},
    )
    others = [
        u
        for u in (approval.created_by, approval.approver)
        if u is not None and u.pk != getattr(actor, "pk", None)
    ]
    send_notice(
        others,
        subject=f"新留言：{_title(approval)}",
        body=f"{actor or '系统'}：{text[:200]}",
        link=_link(approval),
        key=f"approval:{approval.pk}:comment:{comment.pk}",
    )
    return comment


@transaction.atomic
def do_attach_file(actor: Any, approval: Approval, upload: UploadedFile) -> ApprovalAttachment:
    """Attach a scan (PDF/JPG/PNG, checked by size and content) to a request not yet filed; return it."""
    if actor is not None and "attach" not in approval_access.allowed_steps(actor, approval):
        if approval.state == ApprovalState.FILED:
            _require_state(approval, ApprovalState.DRAFT, doing="再上传附件")
        raise RegistryError(errors.OUT_OF_SCOPE, "您无权为该审批申请上传附件。")
    file_type = check_attachment(upload)
    name = (upload.name or "scan")[-200:]
    attachment = ApprovalAttachment(
        approval=approval,
        original_name=name,
        file_type=file_type,
        size=upload.size or 0,
        uploaded_by=actor if getattr(actor, "pk", None) else None,
    )
    attachment.file.save(name, upload, save=False)
    attachment.save()
    log.append(
        actor=actor,
        event=AuditEvent.APPROVAL_ATTACHMENT_ADDED,
        obj=approval,
        unit_path=approval.group.unit.path,
        summary=f"为{_title(approval)}申请上传附件“{name}”",
        after={"attachment": attachment.pk, "name": name, "type": file_type, "size": attachment.size},
    )
    return attachment


def requests_needing(user: Any) -> dict[str, int]:
    """Return how many requests wait on the user: to decide, to file, and rejected to revise."""
    out = {"decide": 0, "file": 0, "revise": 0}
    if not getattr(user, "is_authenticated", False):
        return out
    out["decide"] = Approval.objects.filter(approver=user, state=ApprovalState.SUBMITTED).count()
    if access.is_supervisor(user):
        out["file"] = Approval.objects.filter(state=ApprovalState.APPROVED).count()
    managed = access.managed_units(user).values("pk")
    out["revise"] = Approval.objects.filter(group__unit__in=managed, state=ApprovalState.REJECTED).count()
    return out
