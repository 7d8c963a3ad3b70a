"""Registry checks (规则检查): the breaches among the caller's groups."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from qunguan.api import serialize
from qunguan.api.errors import ApiError
from qunguan.api.routers import ERRORS, actor
from qunguan.api.schemas import BreachList
from qunguan.registry import access
from qunguan.registry.checks import CHECKS, run_checks

router = Router(tags=["checks 规则检查"])


@router.get("", response={200: BreachList, **ERRORS}, summary="违规项")
def list_breaches(request: HttpRequest, kind: str | None = None) -> Any:
    """Run the registry checks over the caller's groups; ``kind`` picks one check (e.g. oversize)."""
    if kind and kind not in CHECKS:
        known = "、".join(CHECKS)
        raise ApiError(422, "validation_error", f"未知的检查类型“{kind}”，可选：{known}。", field="kind")
    breaches = run_checks(access.visible_groups(actor(request)), kinds=[kind] if kind else None)
    return {"total": len(breaches), "items": [serialize.breach(b) for b in breaches]}
