"""Units (单位): the tree a user may see, one unit, and its filing form (备案登记表)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils.http import content_disposition_header
from ninja import Router

from qunguan.api import serialize
from qunguan.api.routers import ERRORS, actor
from qunguan.api.schemas import UnitDetail, UnitNode
from qunguan.filing import do_export_filing
from qunguan.registry import access
from qunguan.registry.models import GroupStatus

router = Router(tags=["units 单位"])

FILING_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


@router.get("", response={200: list[UnitNode], **ERRORS}, summary="可见的单位树")
def list_units(request: HttpRequest) -> Any:
    """Return the units the caller may see, nested; a unit whose parent is out of scope is a root."""
    return serialize.unit_tree(list(access.visible_units(actor(request)).order_by("path")))


@router.get("/{unit_id}", response={200: UnitDetail, **ERRORS}, summary="单位详情")
def get_unit(request: HttpRequest, unit_id: int) -> Any:
    user = actor(request)
    unit = access.access_unit(user, unit_id)
    visible = access.visible_units(user)
    parent = unit.parent if unit.parent_id and visible.filter(pk=unit.parent_id).exists() else None
    groups = access.visible_groups(user).filter(unit__path__startswith=unit.path)
    return {
        "id": unit.pk,
        "name": unit.name,
        "kind": unit.kind,
        "kind_label": unit.get_kind_display(),
        "parent": serialize.ref(parent),
        "path": unit.path,
        "headcount": unit.headcount,
        "head": serialize.ref(unit.head),
        "liaison": serialize.ref(unit.liaison),
        "children": [serialize.ref(c) for c in visible.filter(parent=unit).order_by("path")],
        "group_count": groups.exclude(status=GroupStatus.DISSOLVED).count(),
    }


@router.get(
    "/{unit_id}/filing.{fmt}",
    response=ERRORS,
    summary="导出备案登记表（xlsx/docx）",
    openapi_extra={
        "responses": {
            "200": {
                "description": "附件《备案登记表》，可直接打印、签字、盖章",
                "content": {
                    mime: {"schema": {"type": "string", "format": "binary"}} for mime in FILING_TYPES.values()
                },
            }
        }
    },
)
def export_filing(
    request: HttpRequest, unit_id: int, fmt: Literal["xlsx", "docx"], filing_date: dt.date | None = None
) -> Any:
    """Return the unit's filing form; only the supervisor and the unit's managers may export it."""
    user = actor(request)
    unit = access.access_unit(user, unit_id, manage=True)
    filename, content = do_export_filing(user, unit, fmt, filing_date=filing_date)
    response = HttpResponse(content, content_type=FILING_TYPES[fmt])
    response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    return response
