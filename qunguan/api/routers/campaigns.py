"""The filing campaign (年度填报, 3(7)) over REST: the same scoping and steps as the web pages.

Campaigns are for the supervisor and the unit roles (others: 403); a filing is fetched through
``campaigns.access`` (404 for "not yours"); each step is the domain action, which checks the
role and records it: the unit's liaison submits, 宣传部 alone accepts, returns or moves the deadline.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema

from qunguan.api.routers import ERRORS, WRITE_ERRORS, actor
from qunguan.campaigns import access as campaign_access
from qunguan.campaigns import actions
from qunguan.campaigns.models import CORRECTABLE_FIELDS, Campaign, Filing
from qunguan.campaigns.progress import ProgressRow, counts, progress
from qunguan.registry import access

router = Router(tags=["campaigns 年度填报"])

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
        "entries": [
            {
                "id": e.pk,
                "group_id": e.group_id,
                "decision": e.decision,
                "values": {name: e.value(name) for name in CORRECTABLE_FIELDS},
                "corrected": sorted(e.corrections),
            }
            for e in f.entries.order_by("pk")
        ],
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
