"""Groups (群组): list with filters, read, register, change, dissolve, history."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Status

from qunguan.api import serialize
from qunguan.api.routers import ERRORS, WRITE_ERRORS, actor, referenced_person, referenced_unit
from qunguan.api.schemas import (
    DissolveIn,
    GroupDetail,
    GroupFilters,
    GroupIn,
    GroupPage,
    GroupPatch,
    HistoryEntry,
)
from qunguan.auditlog import log
from qunguan.registry import access, actions
from qunguan.registry.models import GroupStatus

router = Router(tags=["groups 群组"])


@router.get("", response={200: GroupPage, **ERRORS}, summary="群组列表")
def list_groups(request: HttpRequest, filters: Query[GroupFilters]) -> Any:
    """Return the caller's groups matching the filters; ``unit`` includes its subunits."""
    user = actor(request)
    qs = access.visible_groups(user).select_related("unit", "owner")
    if filters.unit is not None:
        unit = access.access_unit(user, filters.unit)
        qs = qs.filter(unit__path__startswith=unit.path)
    if filters.platform:
        qs = qs.filter(platform=filters.platform)
    # dissolved groups have left the active registry; ask for them by status
    qs = qs.filter(status=filters.status) if filters.status else qs.exclude(status=GroupStatus.DISSOLVED)
    if filters.official is not None:
        qs = qs.filter(is_official=filters.official)
    if filters.q:
        qs = qs.filter(Q(name__icontains=filters.q) | Q(account__icontains=filters.q))
    qs = qs.order_by("unit__path", "platform", "name", "pk")
    page = qs[filters.offset : filters.offset + filters.limit]
    return {
        "total": qs.count(),
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [serialize.group(g) for g in page],
    }


@router.get("/{group_id}", response={200: GroupDetail, **ERRORS}, summary="群组详情")
def get_group(request: HttpRequest, group_id: int) -> Any:
    """Return one group with its owner and admins; contacts masked unless the role needs them."""
    user = actor(request)
    return serialize.group_detail(user, access.access_group(user, group_id))


@router.post("", response={201: GroupDetail, **WRITE_ERRORS}, summary="登记群组")
def register_group(request: HttpRequest, payload: GroupIn) -> Any:
    """Register a group in a unit the caller manages (clause 1(1)); 409 ``duplicate_account`` if known."""
    user = actor(request)
    data = payload.dict()
    unit = referenced_unit(user, data.pop("unit_id"), "unit_id")
    owner_id = data.pop("owner_id")
    owner = referenced_person(user, owner_id, "owner_id") if owner_id is not None else None
    admins = [referenced_person(user, pid, "admin_ids") for pid in data.pop("admin_ids")]
    group = actions.do_register_group(user, unit=unit, owner=owner, admins=admins, **data)
    return Status(201, serialize.group_detail(user, access.access_group(user, group.pk)))


@router.patch("/{group_id}", response={200: GroupDetail, **WRITE_ERRORS}, summary="修改群组")
def update_group(request: HttpRequest, group_id: int, payload: GroupPatch) -> Any:
    """Change the fields given; the change and its before/after go to the group's history."""
    user = actor(request)
    group = access.access_group(user, group_id, manage=True)
    changes = payload.dict(exclude_unset=True)
    if "unit_id" in changes:
        changes["unit"] = referenced_unit(user, changes.pop("unit_id"), "unit_id")
    if "owner_id" in changes:
        owner_id = changes.pop("owner_id")
        changes["owner"] = referenced_person(user, owner_id, "owner_id") if owner_id is not None else None
    admins = None
    if "admin_ids" in changes:
        admins = [referenced_person(user, pid, "admin_ids") for pid in changes.pop("admin_ids")]
    actions.do_update_group(user, group, admins=admins, **changes)
    return serialize.group_detail(user, access.access_group(user, group_id))


@router.post("/{group_id}/dissolve", response={200: GroupDetail, **WRITE_ERRORS}, summary="解散群组")
def dissolve_group(request: HttpRequest, group_id: int, payload: DissolveIn | None = None) -> Any:
    """Mark the group dissolved (解散); it stays in the registry with its history."""
    user = actor(request)
    group = access.access_group(user, group_id, manage=True)
    payload = payload or DissolveIn(on=None, reason="")
    actions.do_dissolve_group(user, group, on=payload.on or timezone.localdate(), reason=payload.reason)
    return serialize.group_detail(user, access.access_group(user, group_id))


@router.get("/{group_id}/history", response={200: list[HistoryEntry], **ERRORS}, summary="变更历史")
def group_history(request: HttpRequest, group_id: int, limit: int = 200) -> Any:
    """Return the group's audit-log entries, newest first."""
    group = access.access_group(actor(request), group_id)
    limit = max(1, min(limit, 1000))
    return [serialize.history_entry(e) for e in log.entries_for("group", group.pk)[:limit]]
