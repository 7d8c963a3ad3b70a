"""The pre-publication check (保密审查, clause 2(3)): findings and a redacted copy of a text."""

from __future__ import annotations

import functools
from typing import Any

from django.http import HttpRequest
from ninja import Router

from qunguan.api.errors import ApiError, ErrorOut
from qunguan.api.routers import ERRORS
from qunguan.api.schemas import ScanIn, ScanOut

router = Router(tags=["audit 发布前审查"])


@functools.cache
def _auditor() -> Any:
    """Return one shared Auditor (loading lexicons and models once per process), or None if absent."""
    try:
        from qunguan.audit import Auditor
    except ImportError:
        return None
    return Auditor()


@router.post("/scan", response={200: ScanOut, **ERRORS, 501: ErrorOut}, summary="发布前自查")
def scan_text(request: HttpRequest, payload: ScanIn) -> Any:
    """Return what the audit engine finds in ``text`` (ID numbers, phones, 文号, 密级 …) and a redacted copy.

    The text is neither stored nor logged.
    """
    auditor = _auditor()
    if auditor is None:
        raise ApiError(501, "not_available", "审核引擎尚未安装。")
    from qunguan.audit import redact

    findings = auditor.scan(payload.text)
    return {"findings": [f.as_dict() for f in findings], "redacted": redact(payload.text, findings)}
