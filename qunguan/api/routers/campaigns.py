"""The filing campaign (年度填报, 3(7)) over REST: the same scoping and steps as the web pages.

Campaigns are for the supervisor and the unit roles (others: 403); a filing is fetched through
``campaigns.access`` (404 for "not yours"), one of its entries through the filing; each step is
the domain action, which checks the role and records it: 宣传部 alone opens and closes a
campaign, moves its deadline, accepts or returns a filing and exports the school-wide summary;
the unit's liaison confirms or corrects each group, uploads the signed form (checked by
``uploads/scans.py`` inside ``do_upload_scan``) and submits; the unit roles who see a filing
download its scan and its annex form (XLSX, DOCX, PDF; contacts masked unless they may see them).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from ninja import Field, File, Router, Schema, Status, UploadedFile

from qunguan.api.errors import ApiError
from qunguan.api.routers import ERRORS, WRITE_ERRORS, actor
from qunguan.campaigns import access as campaign_access
from qunguan.campaigns import actions
from qunguan.campaigns.exports import do_export_campaign_filing, do_export_campaign_summary
from qunguan.campaigns.models import CORRECTABLE_FIELDS, Campaign, Filing, FilingEntry
from qunguan.campaigns.progress import ProgressRow, counts, progress
from qunguan.registry import access

router = Router(tags=["campaigns 年度填报"])

CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}
SCAN_TYPES = {"pdf": "application/pdf", "jpg": "image/jpeg", "png": "image/png"}

StateCode = Literal["open", "submitted", "returned", "accepted"]


class Ref(Schema):
    id: int
    name: str


class CampaignOut(Schema):
    id: int
    year: int
    deadline: dt.date
    open: bool
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    counts: dict[str, int] = Field(description="调用者可见的填报按状态计数，另含 overdue（逾期）")


class BoardRow(Schema):
    filing_id: int
    unit: Ref
    state: StateCode
    state_label: str
    groups: int
    confirmed: int
    corrected: int
    pending: int
    overdue: bool
    late: bool
    submitted_at: dt.datetime | None


class BoardOut(CampaignOut):
    rows: list[BoardRow]


class EntryOut(Schema):
    id: int
    group_id: int
    decision: Literal["pending", "confirmed", "corrected"]
    values: dict[str, Any] = Field(description="本单位填报的值：更正后的值，否则为登记信息快照")
    corrected: list[str]


class FilingOut(Schema):
    id: int
    campaign_id: int
    year: int
    deadline: dt.date
    unit: Ref
    state: StateCode
    state_label: str
    comment: str
    revision: int
    submitted_at: dt.datetime | None
    decided_at: dt.datetime | None
    has_scan: bool
    overdue: bool
    entries: list[EntryOut]


class OpenIn(Schema):
    year: int = Field(ge=2000, le=2100, description="年度，如 2026")
    deadline: dt.date | None = Field(None, description="截止日期；不填则为当年3月10日")


class EntryIn(Schema):
    """The group as the unit states it: only the fields sent are corrections (更正).

    Fields equal to the registered value are dropped; with none left (or an empty body) the group
    is confirmed as registered (确认). Each call replaces the entry's earlier corrections. A null
    is the same as leaving the field out, except ``created_on``: null clears the date.
    """

    name: str | None = Field(None, max_length=100, description="名称")
    purpose: str | None = Field(None, max_length=300, description="主要功能或用途")
    member_scope: str | None = Field(None, max_length=200, description="成员范围")
    created_on: dt.date | None = Field(None, description="创建时间")
    member_count: int | None = Field(None, ge=0, le=100000, description="现有人数")
    running_normally: bool | None = Field(None, description="是否正常运行")


class CountedFilingOut(FilingOut):
    changed: int = Field(description="本次确认或补充的群组数")


class DeadlineIn(Schema):
    deadline: dt.date
    reason: str = Field("", max_length=500)


class AcceptIn(Schema):
    comment: str = Field("", max_length=2000)


class ReturnIn(Schema):
    comment: str = Field(min_length=1, max_length=2000)


def _campaigns_for(user: Any) -> None:
    if not campaign_access.can_see_campaigns(user):
        raise access.Forbidden


def _campaign(c: Campaign, rows: list[ProgressRow]) -> dict[str, Any]:
    return {
        "id": c.pk,
        "year": c.year,
        "deadline": c.deadline,
        "open": c.is_open,
        "opened_at": c.opened_at,
        "closed_at": c.closed_at,
        "counts": counts(rows),
    }


def _row(r: ProgressRow) -> dict[str, Any]:
    f = r.filing
    return {
        "filing_id": f.pk,
        "unit": {"id": f.unit_id, "name": f.unit.name},
        "state": f.state,
        "state_label": r.state_label,
        "groups": r.groups,
        "confirmed": r.confirmed,
        "corrected": r.corrected,
        "pending": r.pending,
        "overdue": r.overdue,
        "late": r.late,
        "submitted_at": f.submitted_at,
    }


def _filing(f: Filing) -> dict[str, Any]:
    return {
        "id": f.pk,
        "campaign_id": f.campaign_id,
        "year": f.campaign.year,
        "deadline": f.campaign.deadline,
        "unit": {"id": f.unit_id, "name": f.unit.name},
        "state": f.state,
        "state_label": f.get_state_display(),
        "comment": f.comment,
        "revision": f.revision,
        "submitted_at": f.submitted_at,
        "decided_at": f.decided_at,
        "has_scan": bool(f.scan),
        "overdue": f.editable and timezone.localdate() > f.campaign.deadline,
        "entries": [_entry(e) for e in f.entries.order_by("pk")],
    }


def _visible(user: Any, campaign: Campaign) -> list[ProgressRow]:
    return progress(campaign_access.visible_filings(user).filter(campaign=campaign))


@router.get("", response={200: list[CampaignOut], **ERRORS}, summary="年度填报列表")
def list_campaigns(request: HttpRequest) -> Any:
    """Return every campaign, newest first, with the counts of the filings the caller may see."""
    user = actor(request)
    _campaigns_for(user)
    return [_campaign(c, _visible(user, c)) for c in Campaign.objects.all()]


@router.get("/{campaign_id}", response={200: BoardOut, **ERRORS}, summary="填报进度")
def campaign_board(request: HttpRequest, campaign_id: int) -> Any:
    """Return the progress board: one row per visible unit, overdue units marked."""
    user = actor(request)
    campaign = campaign_access.access_campaign(user, campaign_id)
    rows = _visible(user, campaign)
    return {**_campaign(campaign, rows), "rows": [_row(r) for r in rows]}


@router.post("/{campaign_id}/deadline", response={200: CampaignOut, **WRITE_ERRORS}, summary="变更截止日期")
def change_deadline(request: HttpRequest, campaign_id: int, payload: DeadlineIn) -> Any:
    """Move the deadline (党委宣传部); the units not yet submitted are notified."""
    user = actor(request)
    campaign = campaign_access.access_campaign(user, campaign_id)
    actions.do_change_deadline(user, campaign, deadline=payload.deadline, reason=payload.reason)
    return _campaign(campaign, _visible(user, campaign))


@router.get("/filings/{filing_id}", response={200: FilingOut, **ERRORS}, summary="单位填报")
def get_filing(request: HttpRequest, filing_id: int) -> Any:
    """Return one unit's filing with each group as the unit states it."""
    return _filing(campaign_access.access_filing(actor(request), filing_id))


@router.post("/filings/{filing_id}/submit", response={200: FilingOut, **WRITE_ERRORS}, summary="提交填报")
def submit_filing(request: HttpRequest, filing_id: int) -> Any:
    """Submit the filing to 宣传部 (the unit's liaison): every group answered, the signed form uploaded."""
    user = actor(request)
    filing = campaign_access.access_filing(user, filing_id, manage=True)
    return _filing(actions.do_submit_filing(user, filing))


def _entry(e: FilingEntry) -> dict[str, Any]:
    return {
        "id": e.pk,
        "group_id": e.group_id,
        "decision": e.decision,
        "values": {name: e.value(name) for name in CORRECTABLE_FIELDS},
        "corrected": sorted(e.corrections),
    }


def _download(filename: str, content: bytes, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    return response


def _binary(description: str, *types: str) -> dict[str, Any]:
    """Document a file answer in the OpenAPI (the schema has no JSON for it)."""
    content = {mime: {"schema": {"type": "string", "format": "binary"}} for mime in types}
    return {"responses": {"200": {"description": description, "content": content}}}


@router.post("", response={201: CampaignOut, **WRITE_ERRORS}, summary="发起年度填报")
def open_campaign(request: HttpRequest, payload: OpenIn) -> Any:
    """Open the campaign of a year (党委宣传部): every filing unit gets a filing pre-filled from the registry."""
    user = actor(request)
    _campaigns_for(user)
    campaign = actions.do_open_campaign(user, year=payload.year, deadline=payload.deadline)
    return Status(201, _campaign(campaign, _visible(user, campaign)))


@router.post("/{campaign_id}/close", response={200: CampaignOut, **WRITE_ERRORS}, summary="结束年度填报")
def close_campaign(request: HttpRequest, campaign_id: int) -> Any:
    """Close the campaign (党委宣传部): no filing can be changed or submitted afterwards."""
    user = actor(request)
    campaign = campaign_access.access_campaign(user, campaign_id)
    actions.do_close_campaign(user, campaign)
    return _campaign(campaign, _visible(user, campaign))


@router.get(
    "/{campaign_id}/summary.xlsx",
    response=ERRORS,
    summary="导出全校填报汇总表",
    openapi_extra=_binary("全校填报汇总表：填报进度与群组汇总两个工作表", CONTENT_TYPES["xlsx"]),
)
def campaign_summary(request: HttpRequest, campaign_id: int) -> Any:
    """Return the school-wide summary workbook (党委宣传部): names only, no contacts."""
    user = actor(request)
    campaign = campaign_access.access_campaign(user, campaign_id)
    filename, content = do_export_campaign_summary(user, campaign)
    return _download(filename, content, CONTENT_TYPES["xlsx"])


@router.post(
    "/filings/{filing_id}/entries/{entry_id}",
    response={200: EntryOut, **WRITE_ERRORS},
    summary="确认或更正群组",
)
def review_entry(request: HttpRequest, filing_id: int, entry_id: int, payload: EntryIn) -> Any:
    """Confirm one group of the filing as registered, or correct the fields sent (the unit's liaison)."""
    user = actor(request)
    filing = campaign_access.access_filing(user, filing_id, manage=True)
    try:
        entry = filing.entries.get(pk=entry_id)
    except FilingEntry.DoesNotExist:
        raise campaign_access.NotFound from None
    # null means "not sent", except for the creation date, where it clears a wrong date
    sent = payload.dict(exclude_unset=True)
    changes = {k: v for k, v in sent.items() if v is not None or k == "created_on"}
    return _entry(actions.do_review_entry(user, entry, changes=changes))


@router.post(
    "/filings/{filing_id}/confirm-all",
    response={200: CountedFilingOut, **WRITE_ERRORS},
    summary="确认其余群组",
)
def confirm_remaining(request: HttpRequest, filing_id: int) -> Any:
    """Confirm every group not yet confirmed or corrected (the unit's liaison)."""
    user = actor(request)
    filing = campaign_access.access_filing(user, filing_id, manage=True)
    changed = actions.do_confirm_remaining(user, filing)
    return {**_filing(filing), "changed": changed}


@router.post(
    "/filings/{filing_id}/add-groups",
    response={200: CountedFilingOut, **WRITE_ERRORS},
    summary="补充新登记的群组",
)
def add_new_groups(request: HttpRequest, filing_id: int) -> Any:
    """Add the groups registered since the campaign opened that the unit answers for (the unit's liaison)."""
    user = actor(request)
    filing = campaign_access.access_filing(user, filing_id, manage=True)
    changed = actions.do_add_new_groups(user, filing)
    return {**_filing(filing), "changed": changed}


@router.post(
    "/filings/{filing_id}/scan", response={200: FilingOut, **WRITE_ERRORS}, summary="上传签字盖章的登记表"
)
def upload_scan(request: HttpRequest, filing_id: int, scan: File[UploadedFile]) -> Any:
    """Upload the signed and stamped form (PDF, JPG or PNG, told by its content); it replaces the last one."""
    user = actor(request)
    filing = campaign_access.access_filing(user, filing_id, manage=True)
    return _filing(actions.do_upload_scan(user, filing, scan))


@router.get(
    "/filings/{filing_id}/scan",
    response=ERRORS,
    summary="下载签字盖章的登记表",
    openapi_extra=_binary("单位上传的签字盖章登记表", *SCAN_TYPES.values()),
)
def download_scan(request: HttpRequest, filing_id: int) -> Any:
    """Return the signed form the unit uploaded; 404 while none is."""
    filing = campaign_access.access_filing(actor(request), filing_id)
    if not filing.scan:
        raise ApiError(404, "not_found", "尚未上传签字盖章的登记表。")
    try:
        handle = filing.scan.open("rb")
    except FileNotFoundError:
        raise ApiError(404, "not_found", "签字盖章的登记表文件已丢失，请重新上传。") from None
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"{filing.unit.name}-{filing.campaign.year}年度备案登记表-签字盖章.{filing.scan_type}",
        content_type=SCAN_TYPES.get(filing.scan_type, "application/octet-stream"),
    )


@router.get(
    "/filings/{filing_id}/export.{fmt}",
    response=ERRORS,
    summary="导出单位填报的备案登记表（xlsx/docx/pdf）",
    openapi_extra=_binary(
        "附件《备案登记表》，按单位填报的内容，可直接打印、签字、盖章", *CONTENT_TYPES.values()
    ),
)
def export_filing(request: HttpRequest, filing_id: int, fmt: Literal["xlsx", "docx", "pdf"]) -> Any:
    """Return the filing in the annex layout as the unit stated it; contacts masked unless the caller may see them."""
    user = actor(request)
    filing = campaign_access.access_filing(user, filing_id)
    filename, content = do_export_campaign_filing(user, filing, fmt)
    return _download(filename, content, CONTENT_TYPES[fmt])


def _decide(user: Any, filing_id: int) -> Filing:
    filing = campaign_access.access_filing(user, filing_id)
    if not access.is_supervisor(user):
        raise access.Forbidden
    return filing


@router.post("/filings/{filing_id}/accept", response={200: FilingOut, **WRITE_ERRORS}, summary="通过填报")
def accept_filing(request: HttpRequest, filing_id: int, payload: AcceptIn) -> Any:
    """Accept a submitted filing (党委宣传部); its corrections reach the registry."""
    user = actor(request)
    return _filing(actions.do_accept_filing(user, _decide(user, filing_id), comment=payload.comment))


@router.post("/filings/{filing_id}/return", response={200: FilingOut, **WRITE_ERRORS}, summary="退回填报")
def return_filing(request: HttpRequest, filing_id: int, payload: ReturnIn) -> Any:
    """Return a submitted filing to its unit with a comment (党委宣传部)."""
    user = actor(request)
    return _filing(actions.do_return_filing(user, _decide(user, filing_id), comment=payload.comment))
