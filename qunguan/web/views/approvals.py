"""审批: the request list, a new request started from a group, the detail with its timeline,
comments, attachments and the buttons each role may press; dissolving with evidence and restoring."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qunguan.approvals import access as approval_access
from qunguan.approvals import actions
from qunguan.approvals.forms import (
    ApprovalFilterForm,
    AttachmentForm,
    CommentForm,
    RejectForm,
    RequestForm,
)
from qunguan.approvals.models import Approval, ApprovalState
from qunguan.auditlog.log import entries_for
from qunguan.registry import access
from qunguan.registry.actions import do_dissolve_group, do_restore_group, restore_deadline
from qunguan.registry.checks import run_checks
from qunguan.registry.errors import RegistryError
from qunguan.registry.models import GroupStatus
from qunguan.web.forms import DissolveForm
from qunguan.web.views.common import event_label, group_or_404, paginate, query_without


def approval_or_404(user: Any, approval_id: Any) -> Approval:
    try:
        return approval_access.access_approval(user, approval_id)
    except access.NotFound:
        raise Http404("审批申请不存在或不在您的管理范围内。") from None


@login_required
def approval_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = ApprovalFilterForm(request.GET or None)
    qs = approval_access.visible_approvals(user).select_related("group", "group__unit", "approver")
    if form.is_valid():
        if form.cleaned_data["state"]:
            qs = qs.filter(state=form.cleaned_data["state"])
        if form.cleaned_data["kind"]:
            qs = qs.filter(kind=form.cleaned_data["kind"])
    page = paginate(request, qs.order_by("-created_at", "-pk"))
    # What the registry asks the user's units to start: handovers for owners who left (1(2)),
    # a retention request or a dissolution for overdue temporary groups (3(5)).
    managed = access.managed_units(user).values_list("pk", flat=True)
    to_start = [
        b
        for b in run_checks(access.visible_groups(user), kinds=["needs_handover", "temporary_overdue"])
        if b.unit_id in set(managed)
    ]
    return render(
        request,
        "web/approval_list.html",
        {
            "form": form,
            "page": page,
            "query": query_without(request, "page"),
            "waiting": actions.requests_needing(user),
            "to_start": to_start,
        },
    )


@login_required
def approval_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    group = group_or_404(user, request.GET.get("group") or request.POST.get("group"))
    if not approval_access.can_request(user, group):
        raise PermissionDenied("只有本单位联络人可以发起审批申请。")
    initial = {"kind": request.GET.get("kind", "")}
    form = RequestForm(request.POST or None, user=user, group=group, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.action_data()
        kind = data.pop("kind")
        try:
            approval = actions.do_create_request(user, group, kind=kind, **data)
            if "submit" in request.POST:
                actions.do_submit_request(user, approval)
        except RegistryError as err:
            form.add_registry_error(err)
        else:
            if approval.state == ApprovalState.SUBMITTED:
                messages.success(request, _("申请已提交给 %(who)s 审批。") % {"who": approval.approver})
            else:
                messages.success(request, _("已保存审批申请草稿。"))
            return redirect("approval_detail", approval_id=approval.pk)
    return render(request, "web/approval_form.html", {"form": form, "group": group, "approval": None})


@login_required
def approval_edit(request: HttpRequest, approval_id: int) -> HttpResponse:
    user = request.user
    approval = approval_or_404(user, approval_id)
    if "edit" not in approval_access.allowed_steps(user, approval):
        raise PermissionDenied("该申请当前不能修改。")
    form = RequestForm(request.POST or None, user=user, group=approval.group, approval=approval)
    if request.method == "POST" and form.is_valid():
        data = form.action_data()
        data.pop("kind", None)
        new_admins = data.pop("new_admins")
        try:
            actions.do_revise_request(user, approval, new_admins=new_admins, **data)
            if "submit" in request.POST:
                actions.do_submit_request(user, approval)
        except RegistryError as err:
            form.add_registry_error(err)
        else:
            messages.success(request, _("已保存对审批申请的修改。"))
            return redirect("approval_detail", approval_id=approval.pk)
    return render(
        request, "web/approval_form.html", {"form": form, "group": approval.group, "approval": approval}
    )


@login_required
def approval_detail(request: HttpRequest, approval_id: int) -> HttpResponse:
    user = request.user
    approval = approval_or_404(user, approval_id)
    steps = approval_access.allowed_steps(user, approval)
    timeline = [
        {"entry": e, "label": event_label(e.event_type)}
        for e in entries_for("approval", approval.pk).order_by("seq")[:200]
    ]
    return render(
        request,
        "web/approval_detail.html",
        {
            "approval": approval,
            "group": approval.group,
            "new_admins": list(approval.new_admins.all()),
            "comments": approval.comments.select_related("author"),
            "attachments": approval.attachments.all(),
            "timeline": timeline,
            "steps": steps,
            "reject_form": RejectForm(),
            "comment_form": CommentForm(),
            "attachment_form": AttachmentForm(),
        },
    )


STEP_MESSAGES = {
    "submit": "申请已提交审批。",
    "approve": "已批准该申请。",
    "reject": "已驳回该申请。",
    "file": "已备案。",
    "comment": "已添加留言。",
    "attach": "已上传附件。",
}


@require_POST
@login_required
def approval_step(request: HttpRequest, approval_id: int, step: str) -> HttpResponse:
    """Take one step on a request; refusals come back as messages on the detail page."""
    user = request.user
    approval = approval_or_404(user, approval_id)
    if step not in STEP_MESSAGES:
        raise Http404("未知的操作。")
    try:
        if step == "submit":
            actions.do_submit_request(user, approval)
        elif step == "approve":
            actions.do_approve_request(user, approval)
        elif step == "reject":
            form = RejectForm(request.POST)
            actions.do_reject_request(user, approval, reason=form.data.get("reason", ""))
        elif step == "file":
            actions.do_file_request(user, approval)
        elif step == "comment":
            actions.do_comment(user, approval, request.POST.get("body", ""))
        else:
            upload = request.FILES.get("file")
            if upload is None:
                raise RegistryError("invalid", "请选择要上传的扫描件。", field="file")
            actions.do_attach_file(user, approval, upload)
    except RegistryError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, _(STEP_MESSAGES[step]))
    return redirect("approval_detail", approval_id=approval.pk)


@login_required
def approval_attachment(request: HttpRequest, approval_id: int, attachment_id: int) -> FileResponse:
    """Serve an attachment to those who may see the request (uploads are never public)."""
    try:
        attachment = approval_access.access_attachment(request.user, approval_id, attachment_id)
    except access.NotFound:
        raise Http404("附件不存在或不在您的管理范围内。") from None
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404("附件文件已丢失。") from None
    return FileResponse(handle, as_attachment=True, filename=attachment.original_name)


@login_required
def group_dissolution(request: HttpRequest, group_id: int) -> HttpResponse:
    """Dissolve a group with its date and evidence (解散证明), or restore it within the window."""
    user = request.user
    group = group_or_404(user, group_id, manage=True)
    form = DissolveForm(request.POST or None)
    error = ""
    if request.method == "POST" and group.status != GroupStatus.DISSOLVED and form.is_valid():
        try:
            do_dissolve_group(
                user,
                group,
                on=form.cleaned_data["on"],
                reason=form.cleaned_data["reason"],
                evidence=request.FILES.get("evidence"),
            )
        except RegistryError as err:
            error = err.message
        else:
            messages.success(request, _("已将群组“%(name)s”标记为解散。") % {"name": group.name})
            return redirect("group_detail", group_id=group.pk)
    deadline = restore_deadline(group)
    return render(
        request,
        "web/group_dissolution.html",
        {
            "group": group,
            "form": form,
            "error": error,
            "deadline": deadline,
            "restorable": deadline is not None and timezone.localdate() <= deadline,
        },
    )


@require_POST
@login_required
def group_restore(request: HttpRequest, group_id: int) -> HttpResponse:
    user = request.user
    group = group_or_404(user, group_id, manage=True)
    try:
        do_restore_group(user, group)
    except RegistryError as err:
        messages.error(request, err.message)
        return redirect("group_dissolution", group_id=group.pk)
    messages.success(request, _("已恢复群组“%(name)s”。") % {"name": group.name})
    return redirect("group_detail", group_id=group.pk)


@login_required
def group_dissolution_evidence(request: HttpRequest, group_id: int) -> FileResponse:
    group = group_or_404(request.user, group_id)
    if not group.dissolution_evidence:
        raise Http404("没有解散证明。")
    try:
        handle = group.dissolution_evidence.open("rb")
    except FileNotFoundError:
        raise Http404("解散证明文件已丢失。") from None
    return FileResponse(
        handle, as_attachment=True, filename=group.dissolution_evidence.name.rsplit("/", 1)[-1]
    )
