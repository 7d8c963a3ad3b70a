"""The pre-publication check (保密审查, clause 2(3)): findings and a redacted copy of a text."""

from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import File, Router, UploadedFile

from qunguan.api.errors import ApiError
from qunguan.api.routers import ERRORS
from qunguan.api.schemas import ScanIn, ScanOut
from qunguan.audit import Auditor, redact
from qunguan.audit.documents import DocumentError, docx_text

router = Router(tags=["audit 发布前审查"])


@functools.cache
def _auditor() -> Auditor:
    """Return one shared Auditor: lexicons and models load once per process."""
    return Auditor()


def _result(text: str) -> dict[str, Any]:
    findings = _auditor().scan(text)
    return {"findings": [f.as_dict() for f in findings], "redacted": redact(text, findings)}


@router.post("/scan", response={200: ScanOut, **ERRORS}, summary="发布前自查")
def scan_text(request: HttpRequest, payload: ScanIn) -> Any:
    """Return what the audit engine finds in ``text`` (ID numbers, phones, 文号, 密级 …) and a redacted copy.

    The text is neither stored nor logged.
    """
    return _result(payload.text)


@router.post("/scan-docx", response={200: ScanOut, **ERRORS}, summary="发布前自查（Word 文档）")
def scan_docx(request: HttpRequest, document: File[UploadedFile]) -> Any:
    """Return the findings in a .docx draft (paragraphs, then table rows) and a redacted copy of its text.

    422 ``bad_document`` if the file is not a readable .docx or is too large. Nothing is stored.
    """
    if document.size is not None and document.size > settings.QUNGUAN_MAX_UPLOAD_BYTES:
        raise ApiError(422, "bad_document", "文件过大。", field="document")
    if document.file is None:
        raise ApiError(422, "bad_document", "文件为空。", field="document")
    try:
        text = docx_text(document.file)
    except DocumentError as exc:
        raise ApiError(422, "bad_document", str(exc), field="document") from None
    return _result(text)
