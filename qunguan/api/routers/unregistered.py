"""Unregistered groups (未登记群组) over the API: list, read, register, dismiss, reopen.

Rows come only through ``unregistered.access``: the supervisor sees every one, unit roles those
attributed to their subtree (others: 404); only the supervisor and the attributed unit's managers
resolve one (others who see it: 403). Each change is one action with its audit-log entry.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from qunguan.api.errors import ApiError
from qunguan.api.routers import ERRORS, WRITE_ERRORS, actor, referenced_person, referenced_unit
from qunguan.api.schemas import MAX_OFFSET
from qunguan.unregistered.access import access_unregistered, can_resolve, visible_unregistered
from qunguan.unregistered.actions import (
    do_dismiss_unregistered_group,
    do_register_unregistered_group,
    do_reopen_unregistered_group,
)
from qunguan.unregistered.models import SightingStatus, UnregisteredGroup

router = Router(tags=["unregistered 未登记群组"])


class UnitRef(Schema):
    id: int
    name: str


class UnregisteredOut(Schema):
    id: int
    platform: str
    account: str = Field(description="群号/账号；导出只给了群名称时为空")
    name: str = Field(description="所见的群名称")
    label: str
    unit: UnitRef | None = Field(description="归属单位；宣传部、运维命令或机器人发现的为空（仅宣传部可见）")
    source: str = Field(description="import（聊天记录导入）或 gateway（机器人同步）")
    source_label: str
    bot: str
    first_seen: dt.datetime
    last_seen: dt.datetime
    message_count: int
    status: str = Field(description="open（待处理）/ registered（已登记）/ not_work（非工作群）")
    status_label: str
    reason: str = Field(description="认定为非工作群的理由")
    group_id: int | None = Field(description="登记后的群组")
    resolved_at: dt.datetime | None
    may_resolve: bool = Field(description="调用者能否登记、认定或重新打开")


class UnregisteredPage(Schema):
    total: int
    limit: int
    offset: int
    items: list[UnregisteredOut]


class UnregisteredFilters(Schema):
    status: Literal["open", "registered", "not_work", "all"] = "open"
    platform: Literal["qq", "wechat", "wecom"] | None = None
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class RegisterIn(Schema):
    """The registration (登记群组, 1(1)); what was seen fills what is left out."""

    unit_id: int | None = Field(None, description="登记到的单位；不填则为归属单位")
    account: str | None = Field(None, min_length=1, max_length=64, description="不填则为所见的群号")
    name: str | None = Field(None, min_length=1, max_length=100, description="不填则为所见的群名称")
    is_official: bool = False
    member_scope: str = Field("", max_length=200)
    purpose: str = Field("", max_length=300)
    owner_id: int | None = None
    admin_ids: list[int] = []
    created_on: dt.date | None = None
    member_count: int = Field(0, ge=0)
    end_date: dt.date | None = None
    notes: str = ""


class DismissIn(Schema):
    reason: str = Field(min_length=1, max_length=300, description="认定为非工作群的理由")


class ReopenIn(Schema):
    note: str = Field("", max_length=300, description="重新打开的说明")


def _out(user: Any, row: UnregisteredGroup) -> dict[str, Any]:
    return {
        "id": row.pk,
        "platform": row.platform,
        "account": row.account,
        "name": row.name,
        "label": row.label,
        "unit": {"id": row.unit.pk, "name": row.unit.name} if row.unit else None,
        "source": row.source,
        "source_label": row.get_source_display(),
        "bot": row.bot,
        "first_seen": row.first_seen,
        "last_seen": row.last_seen,
        "message_count": row.message_count,
        "status": row.status,
        "status_label": row.get_status_display(),
        "reason": row.reason,
        "group_id": row.group_id,
        "resolved_at": row.resolved_at,
        "may_resolve": row.status != SightingStatus.REGISTERED and can_resolve(user, row),
    }


@router.get("", response={200: UnregisteredPage, **ERRORS}, summary="未登记群组列表")
def list_unregistered(request: HttpRequest, filters: Query[UnregisteredFilters]) -> Any:
    """Return the unregistered groups the caller may see, most recently seen first (default: open ones)."""
    user = actor(request)
    qs = visible_unregistered(user).select_related("unit")
    if filters.status != "all":
        qs = qs.filter(status=filters.status)
    if filters.platform:
        qs = qs.filter(platform=filters.platform)
    qs = qs.order_by("-last_seen", "pk")
    page = qs[filters.offset : filters.offset + filters.limit]
    return {
        "total": qs.count(),
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [_out(user, row) for row in page],
    }


@router.get("/{sighting_id}", response={200: UnregisteredOut, **ERRORS}, summary="未登记群组详情")
def get_unregistered(request: HttpRequest, sighting_id: int) -> Any:
    user = actor(request)
    return _out(user, access_unregistered(user, sighting_id))


@router.post(
    "/{sighting_id}/register", response={201: UnregisteredOut, **WRITE_ERRORS}, summary="登记为工作群"
)
def register_unregistered(request: HttpRequest, sighting_id: int, payload: RegisterIn) -> Any:
    """Register the group; its stored messages and findings are bound to the new group (201)."""
    user = actor(request)
    row = access_unregistered(user, sighting_id, resolve=True)
    data = payload.dict()
    unit_id = data.pop("unit_id")
    if unit_id is None:
        unit_id = row.unit_id
    if unit_id is None:
        raise ApiError(422, "invalid", "请指定登记到的单位（unit_id）。", field="unit_id")
    unit = referenced_unit(user, unit_id, "unit_id")
    owner_id = data.pop("owner_id")
    owner = referenced_person(user, owner_id, "owner_id") if owner_id is not None else None
    admins = [referenced_person(user, pid, "admin_ids") for pid in data.pop("admin_ids")]
    data["account"] = data["account"] or row.account
    data["name"] = data["name"] or row.name
    if not data["account"]:
        raise ApiError(422, "invalid", "导出中没有群号，请填写群号/账号（account）。", field="account")
    if not data["name"]:
        raise ApiError(422, "invalid", "请填写群名称（name）。", field="name")
    do_register_unregistered_group(
        user, row, admins=admins, platform=row.platform, unit=unit, owner=owner, **data
    )
    return Status(201, _out(user, access_unregistered(user, sighting_id)))


@router.post(
    "/{sighting_id}/dismiss", response={200: UnregisteredOut, **WRITE_ERRORS}, summary="认定为非工作群"
)
def dismiss_unregistered(request: HttpRequest, sighting_id: int, payload: DismissIn) -> Any:
    user = actor(request)
    row = access_unregistered(user, sighting_id, resolve=True)
    return _out(user, do_dismiss_unregistered_group(user, row, reason=payload.reason))


@router.post(
    "/{sighting_id}/reopen", response={200: UnregisteredOut, **WRITE_ERRORS}, summary="重新打开（认定有误）"
)
def reopen_unregistered(request: HttpRequest, sighting_id: int, payload: ReopenIn | None = None) -> Any:
    """Reopen a group marked "not a work group" by mistake; it is a breach again until resolved."""
    user = actor(request)
    row = access_unregistered(user, sighting_id, resolve=True)
    note = payload.note if payload is not None else ""
    return _out(user, do_reopen_unregistered_group(user, row, note=note))
