"""The roster (花名册): people in the caller's scope, contacts masked unless the role needs them."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from ninja import Query, Router

from qunguan.api import serialize
from qunguan.api.routers import ERRORS, actor
from qunguan.api.schemas import PersonFilters, PersonOut, PersonPage
from qunguan.registry import access

router = Router(tags=["people 花名册"])


@router.get("", response={200: PersonPage, **ERRORS}, summary="花名册")
def list_people(request: HttpRequest, filters: Query[PersonFilters]) -> Any:
    user = actor(request)
    qs = access.visible_people(user).select_related("unit")
    if filters.unit is not None:
        unit = access.access_unit(user, filters.unit)
        qs = qs.filter(unit__path__startswith=unit.path)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.q:
        qs = qs.filter(Q(name__icontains=filters.q) | Q(number__icontains=filters.q))
    qs = qs.order_by("unit__path", "number")
    page = qs[filters.offset : filters.offset + filters.limit]
    return {
        "total": qs.count(),
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [serialize.person(user, p) for p in page],
    }


@router.get("/{person_id}", response={200: PersonOut, **ERRORS}, summary="人员详情")
def get_person(request: HttpRequest, person_id: int) -> Any:
    user = actor(request)
    return serialize.person(user, access.access_person(user, person_id))
