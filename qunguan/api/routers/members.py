"""Group members (群成员) over the API: the latest member list of a group and its real-name statuses.

Mounted under ``/groups``; the group comes through ``registry.access`` (out of scope → 404).
QQ/WeChat ids and roster numbers are masked unless the caller may see the unit's personal data.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from qunguan.api.routers import ERRORS, actor
from qunguan.api.schemas import MAX_OFFSET
from qunguan.members.actions import latest_snapshot
from qunguan.members.models import MatchStatus
from qunguan.members.removals import mask_account, mask_number
from qunguan.privacy_at_rest import mask_text
from qunguan.registry import access

router = Router(tags=["members 群成员"])


class StatusCount(Schema):
    status: str
    label: str
    count: int


class MemberOut(Schema):
    platform_id: str = Field(description="QQ号/微信号；无权查看个人信息时已脱敏")
    card: str = Field(description="群名片")
    nickname: str
    role: str
    joined_at: dt.datetime | None
    is_robot: bool
    status: str = Field(description="实名核验：verified / ambiguous / unknown / out_of_scope")
    status_label: str
    reason: str
    person: str | None = Field(description="花名册人员：姓名（工号/学号，单位）")


class MembersOut(Schema):
    group: int
    snapshot: int | None
    taken_at: dt.datetime | None
    source_format: str | None
    member_count: int
    masked: bool
    statuses: list[StatusCount]
    total: int
    limit: int
    offset: int
    items: list[MemberOut]


@router.get("/{group_id}/members", response={200: MembersOut, **ERRORS}, summary="群成员（最新名单）")
def group_members(
    request: HttpRequest, group_id: int, status: str | None = None, limit: int = 200, offset: int = 0
) -> Any:
    """Return the group's latest member list with real-name statuses; ``status`` narrows the items."""
    user = actor(request)
    group = access.access_group(user, group_id)
    limit = max(1, min(limit, 1000))
    offset = max(0, min(offset, MAX_OFFSET))
    reveal = access.can_see_personal_data(user, group.unit)
    snapshot = latest_snapshot(group)
    empty = {s.value: 0 for s in MatchStatus}
    if snapshot is None:
        return {
            "group": group.pk,
            "snapshot": None,
            "taken_at": None,
            "source_format": None,
            "member_count": 0,
            "masked": not reveal,
            "statuses": [{"status": k, "label": MatchStatus(k).label, "count": 0} for k in empty],
            "total": 0,
            "limit": limit,
            "offset": offset,
            "items": [],
        }
    members = snapshot.members.select_related("person__unit").order_by("pk")
    for value in members.values_list("status", flat=True):
        empty[value] = empty.get(value, 0) + 1
    if status:
        members = members.filter(status=status)
    page = members[offset : offset + limit]
    items = []
    for m in page:
        person = None
        if m.person is not None:
            number = m.person.number if reveal else mask_number(m.person.number)
            person = f"{m.person.name}（{number}，{m.person.unit.name}）"
        items.append(
            {
                "platform_id": m.platform_id if reveal else mask_account(m.platform_id),
                "card": m.card if reveal else mask_text(m.card),
                "nickname": m.nickname if reveal else mask_text(m.nickname),
                "role": m.role,
                "joined_at": m.joined_at,
                "is_robot": m.is_robot,
                "status": m.status,
                "status_label": m.get_status_display(),
                "reason": m.reason if reveal else mask_text(m.reason),
                "person": person,
            }
        )
    return {
        "group": group.pk,
        "snapshot": snapshot.pk,
        "taken_at": snapshot.taken_at,
        "source_format": snapshot.source_format,
        "member_count": snapshot.member_count,
        "masked": not reveal,
        "statuses": [{"status": k, "label": MatchStatus(k).label, "count": n} for k, n in empty.items()],
        "total": members.count(),
        "limit": limit,
        "offset": offset,
        "items": items,
    }


__all__ = ["router"]
