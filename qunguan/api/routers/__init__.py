"""One router per resource; ``qunguan.api.main`` mounts them."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from qunguan.api.errors import ApiError, ErrorOut
from qunguan.registry import access
from qunguan.registry.models import Person, Unit

# Documented on every operation: the error body is the same whatever went wrong.
ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
WRITE_ERRORS: dict[int, Any] = {**ERRORS, 409: ErrorOut}


def actor(request: HttpRequest) -> Any:
    """Return the authenticated user (set by the token or session auth)."""
    return request.auth  # type: ignore[attr-defined]


def referenced_unit(user: Any, unit_id: int, field: str) -> Unit:
    """Return a unit named in a request body; a missing or foreign one is a 422 on ``field``."""
    try:
        return access.access_unit(user, unit_id)
    except access.NotFound:
        raise ApiError(422, "invalid", "单位不存在，或不在您的管理范围内。", field=field) from None


def referenced_person(user: Any, person_id: int, field: str) -> Person:
    """Return a roster entry named in a request body; a missing or foreign one is a 422 on ``field``."""
    try:
        return access.access_person(user, person_id)
    except access.NotFound:
        raise ApiError(
            422, "invalid", f"花名册中没有 id 为 {person_id} 的人员，或不在您的管理范围内。", field=field
        ) from None
