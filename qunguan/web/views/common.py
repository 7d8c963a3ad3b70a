"""Helpers every web view shares: scoped object access mapped to 404/403, pagination, labels.

Views reach registry objects only through ``qunguan.registry.access``; ``NotFound`` becomes
404 and ``Forbidden`` becomes 403 here, so no view can map them differently.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest

from qunguan.auditlog.events import AuditEvent
from qunguan.registry import access
from qunguan.registry.models import Group, Unit

PER_PAGE = 50

# How alarming each registry breach is on screen (badge colour). Oversize and missing admins
# are what the regulation names first; incomplete paperwork is the mildest.
BREACH_SEVERITY: dict[str, str] = {
    "oversize": "high",
    "no_admin": "high",
    "duplicate_official": "medium",
    "over_headcount": "medium",
    "temporary_overdue": "medium",
    "incomplete_registration": "low",
    "unverified_members": "medium",
    "inactive_group": "low",
    "duplicate_group": "low",
}
SEVERITY_LABELS = {"critical": "严重", "high": "高", "medium": "中", "low": "低"}


def breach_severity(kind: str) -> str:
    return BREACH_SEVERITY.get(kind, "medium")


def group_or_404(user: Any, group_id: Any, *, manage: bool = False) -> Group:
    """Return the group through ``access.access_group``; raise Http404 / PermissionDenied."""
    try:
        return access.access_group(user, group_id, manage=manage)
    except access.NotFound:
        raise Http404("群组不存在或不在您的管理范围内。") from None
    except access.Forbidden:
        raise PermissionDenied("您无权修改该群组。") from None


def unit_or_404(user: Any, unit_id: Any, *, manage: bool = False) -> Unit:
    """Return the unit through ``access.access_unit``; raise Http404 / PermissionDenied."""
    try:
        return access.access_unit(user, unit_id, manage=manage)
    except access.NotFound:
        raise Http404("单位不存在或不在您的管理范围内。") from None
    except access.Forbidden:
        raise PermissionDenied("您无权管理该单位。") from None


def require_supervisor(user: Any) -> None:
    if not access.is_supervisor(user):
        raise PermissionDenied("只有党委宣传部可以查看此页面。")


def require_some_managed_unit(user: Any) -> None:
    if not access.managed_units(user).exists():
        raise PermissionDenied("您没有可管理的单位。")


def paginate(request: HttpRequest, items: Any, per_page: int = PER_PAGE) -> Page:
    """Return the requested page (``?page=``); out-of-range numbers give the nearest page."""
    return Paginator(items, per_page).get_page(request.GET.get("page"))


def query_without(request: HttpRequest, *names: str) -> str:
    """Return the current query string without ``names`` (for pagination and sort links)."""
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


def event_label(event_type: int) -> str:
    try:
        return AuditEvent(event_type).label
    except ValueError:
        return f"事件 {event_type}"


def unit_depths(units: Iterable[Unit]) -> dict[int, int]:
    """Return each unit's indentation level relative to the shallowest unit given."""
    units = list(units)
    if not units:
        return {}
    top = min(u.depth for u in units)
    return {u.pk: u.depth - top for u in units}
