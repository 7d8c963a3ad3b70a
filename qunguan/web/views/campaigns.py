"""年度填报: the campaign list and board, a unit's filing, its steps and exports (管理办法第三条第七款).

Views parse, fetch through ``qunguan.campaigns.access`` (404 for "not yours"), call one action
and render; every error an action raises is shown as its Chinese message.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from qunguan.campaigns import access as campaign_access
from qunguan.campaigns import actions
from qunguan.campaigns.exports import do_export_campaign_filing, do_export_campaign_summary
from qunguan.campaigns.models import CORRECTABLE_FIELDS, Campaign, Filing, FilingState
from qunguan.campaigns.progress import counts, progress
from qunguan.registry import access
from qunguan.registry.errors import RegistryError
from qunguan.web.views.common import require_supervisor

CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}
SCAN_TYPES = {"pdf": "application/pdf", "jpg": "image/jpeg", "png": "image/png"}
STATE_BADGES = {
    FilingState.OPEN: "sev-low",
    FilingState.SUBMITTED: "sev-medium",
    FilingState.RETURNED: "sev-high",
    FilingState.ACCEPTED: "ok",
}


class OpenCampaignForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    deadline = forms.DateField(
        label="截止日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="留空则为当年3月10日（北京时间当天结束前）",
    )


class DeadlineForm(forms.Form):
    deadline = forms.DateField(label="新的截止日期", widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label="说明", required=False, max_length=200)


class ScanForm(forms.Form):
    scan = forms.FileField(label="签字盖章的登记表", help_text="PDF、JPG 或 PNG 扫描件或照片")


class DecisionForm(forms.Form):
    comment = forms.CharField(label="审核意见", required=False, widget=forms.Textarea(attrs={"rows": 3}))


def _filing_or_404(user: Any, filing_id: Any, *, manage: bool = False) -> Filing:
    try:
        return campaign_access.access_filing(user, filing_id, manage=manage)
    except campaign_access.NotFound:
        raise Http404("填报不存在或不在您的管理范围内。") from None
    except campaign_access.Forbidden:
        raise PermissionDenied("您无权填报该单位。") from None


def _campaign_or_404(user: Any, campaign_id: Any) -> Campaign:
    try:
        return campaign_access.access_campaign(user, campaign_id)
    except campaign_access.NotFound:
        raise Http404("年度填报不存在。") from None


def _download(filename: str, content: bytes, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    return response


@login_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not campaign_access.can_see_campaigns(user):
        raise PermissionDenied("您没有参与年度填报的角色。")
    filings = campaign_access.visible_filings(user)
    rows = []
    for campaign in Campaign.objects.all():
        mine = progress(filings.filter(campaign=campaign))
        rows.append({"campaign": campaign, "counts": counts(mine), "filings": mine})
    supervisor = access.is_supervisor(user)
    form = OpenCampaignForm(initial={"year": timezone.localdate().year}) if supervisor else None
    return render(request, "web/campaign_list.html", {"rows": rows, "form": form, "supervisor": supervisor})


@login_required
@require_POST
def campaign_open(request: HttpRequest) -> HttpResponse:
    require_supervisor(request.user)
    form = OpenCampaignForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("campaign_list")
    try:
        campaign = actions.do_open_campaign(
            request.user, year=form.cleaned_data["year"], deadline=form.cleaned_data["deadline"]
        )
    except RegistryError as err:
        messages.error(request, err.message)
        return redirect("campaign_list")
    messages.success(
        request, f"已发起{campaign.year}年度群组备案填报，共 {campaign.filings.count()} 个单位。"
    )
    return redirect("campaign_board", campaign.pk)


@login_required
def campaign_board(request: HttpRequest, campaign_id: int) -> HttpResponse:
    user = request.user
    campaign = _campaign_or_404(user, campaign_id)
    today = timezone.localdate()
    rows = progress(campaign_access.visible_filings(user).filter(campaign=campaign), today=today)
    context = {
        "campaign": campaign,
        "rows": [{"row": r, "badge": STATE_BADGES[FilingState(r.filing.state)]} for r in rows],
        "counts": counts(rows),
        "supervisor": access.is_supervisor(user),
        "days_left": (campaign.deadline - today).days,
        "deadline_form": DeadlineForm(initial={"deadline": campaign.deadline}),
    }
    return render(request, "web/campaign_board.html", context)


@login_required
@require_POST
def campaign_close(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign_or_404(request.user, campaign_id)
    require_supervisor(request.user)
    try:
        actions.do_close_campaign(request.user, campaign)
        messages.success(request, f"{campaign.year}年度填报已结束。")
    except RegistryError as err:
        messages.error(request, err.message)
    return redirect("campaign_board", campaign.pk)


@login_required
@require_POST
def campaign_deadline(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign_or_404(request.user, campaign_id)
    require_supervisor(request.user)
    form = DeadlineForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写新的截止日期（年-月-日）。")
        return redirect("campaign_board", campaign.pk)
    try:
        actions.do_change_deadline(
            request.user, campaign, deadline=form.cleaned_data["deadline"], reason=form.cleaned_data["reason"]
        )
    except RegistryError as err:
        messages.error(request, err.message)
    else:
        deadline = campaign.deadline
        messages.success(
            request, f"截止日期已变更为 {deadline.month}月{deadline.day}日，已通知尚未提交的单位。"
        )
    return redirect("campaign_board", campaign.pk)


@login_required
def campaign_summary(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign_or_404(request.user, campaign_id)
    require_supervisor(request.user)
    filename, content = do_export_campaign_summary(request.user, campaign)
    return _download(filename, content, CONTENT_TYPES["xlsx"])


@login_required
def campaign_filing(request: HttpRequest, filing_id: int) -> HttpResponse:
    user = request.user
    filing = _filing_or_404(user, filing_id)
    can_fill = access.can_manage_unit(user, filing.unit) and filing.editable and filing.campaign.is_open
    today = timezone.localdate()
    entries = [
        {
            "entry": e,
            "values": {name: e.value(name) for name in CORRECTABLE_FIELDS},
            "corrected": set(e.corrections),
        }
        for e in filing.entries.select_related("group").order_by("pk")
    ]
    context = {
        "filing": filing,
        "campaign": filing.campaign,
        "entries": entries,
        "labels": CORRECTABLE_FIELDS,
        "can_fill": can_fill,
        "can_decide": access.is_supervisor(user) and filing.state == FilingState.SUBMITTED,
        "scan_form": ScanForm(),
        "decision_form": DecisionForm(),
        "overdue": filing.editable and today > filing.campaign.deadline,
        "badge": STATE_BADGES[FilingState(filing.state)],
    }
    return render(request, "web/campaign_filing.html", context)


def _changes(request: HttpRequest) -> dict[str, Any]:
    data: dict[str, Any] = {name: request.POST.get(name, "") for name in CORRECTABLE_FIELDS}
    data["running_normally"] = request.POST.get("running_normally") == "on"
    return data


@login_required
@require_POST
def campaign_entry(request: HttpRequest, filing_id: int, entry_id: int) -> HttpResponse:
    filing = _filing_or_404(request.user, filing_id, manage=True)
    try:
        entry = filing.entries.get(pk=entry_id)
    except filing.entries.model.DoesNotExist:
        raise Http404("该群组不在此填报中。") from None
    correcting = request.POST.get("do") == "correct"
    try:
        actions.do_review_entry(request.user, entry, changes=_changes(request) if correcting else None)
        entry.refresh_from_db()
        messages.success(request, f"“{entry.value('name')}”{entry.get_decision_display()}。")
    except RegistryError as err:
        messages.error(request, f"“{entry.snapshot.get('name', '')}”：{err.message}")
    return redirect("campaign_filing", filing.pk)


@login_required
@require_POST
def campaign_confirm_all(request: HttpRequest, filing_id: int) -> HttpResponse:
    filing = _filing_or_404(request.user, filing_id, manage=True)
    try:
        n = actions.do_confirm_remaining(request.user, filing)
        messages.success(request, f"已确认 {n} 个群组的登记信息。")
    except RegistryError as err:
        messages.error(request, err.message)
    return redirect("campaign_filing", filing.pk)


@login_required
@require_POST
def campaign_add_groups(request: HttpRequest, filing_id: int) -> HttpResponse:
    filing = _filing_or_404(request.user, filing_id, manage=True)
    try:
        n = actions.do_add_new_groups(request.user, filing)
        messages.success(request, f"已补充 {n} 个新登记的群组。" if n else "没有需要补充的新登记群组。")
    except RegistryError as err:
        messages.error(request, err.message)
    return redirect("campaign_filing", filing.pk)


@login_required
@require_POST
def campaign_scan(request: HttpRequest, filing_id: int) -> HttpResponse:
    filing = _filing_or_404(request.user, filing_id, manage=True)
    form = ScanForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "请选择签字盖章的登记表文件（PDF、JPG 或 PNG）。")
        return redirect("campaign_filing", filing.pk)
    try:
        actions.do_upload_scan(request.user, filing, form.cleaned_data["scan"])
        messages.success(request, "已上传签字盖章的登记表。")
    except RegistryError as err:
        messages.error(request, err.message)
    return redirect("campaign_filing", filing.pk)


@login_required
def campaign_scan_download(request: HttpRequest, filing_id: int) -> FileResponse:
    filing = _filing_or_404(request.user, filing_id)
    if not filing.scan:
        raise Http404("尚未上传签字盖章的登记表。")
    filename = f"{filing.unit.name}-{filing.campaign.year}年度备案登记表-签字盖章.{filing.scan_type}"
    try:
        handle = filing.scan.open("rb")
    except FileNotFoundError:
        raise Http404("签字盖章的登记表文件已丢失，请重新上传。") from None
    return FileResponse(
        handle,
        as_attachment=True,
        filename=filename,
        content_type=SCAN_TYPES.get(filing.scan_type, "application/octet-stream"),
    )


@login_required
@require_POST
def campaign_submit(request: HttpRequest, filing_id: int) -> HttpResponse:
    filing = _filing_or_404(request.user, filing_id, manage=True)
    try:
        actions.do_submit_filing(request.user, filing)
        messages.success(request, "已提交，等待党委宣传部审核。")
    except RegistryError as err:
        messages.error(request, err.message)
    return redirect("campaign_filing", filing.pk)


@login_required
@require_POST
def campaign_decide(request: HttpRequest, filing_id: int) -> HttpResponse:
    filing = _filing_or_404(request.user, filing_id)
    require_supervisor(request.user)
    form = DecisionForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    try:
        if request.POST.get("do") == "accept":
            actions.do_accept_filing(request.user, filing, comment=comment)
            messages.success(request, f"已通过“{filing.unit.name}”的填报，登记信息已更新。")
        else:
            actions.do_return_filing(request.user, filing, comment=comment)
            messages.success(request, f"已退回“{filing.unit.name}”的填报。")
    except RegistryError as err:
        messages.error(request, err.message)
    return redirect("campaign_filing", filing.pk)


@login_required
def campaign_filing_export(request: HttpRequest, filing_id: int, fmt: str) -> HttpResponse:
    if fmt not in CONTENT_TYPES:
        raise Http404("不支持的导出格式。")
    filing = _filing_or_404(request.user, filing_id)
    try:
        filename, content = do_export_campaign_filing(request.user, filing, fmt)
    except RegistryError as err:
        messages.error(request, err.message)
        return redirect("campaign_filing", filing.pk)
    return _download(filename, content, CONTENT_TYPES[fmt])
