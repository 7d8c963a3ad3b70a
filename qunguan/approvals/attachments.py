"""Checks on an attached scan (签字盖章扫描件): PDF, JPG or PNG, by size and by content signature.

The rule itself is ``qunguan.uploads.scans.inspect_scan``, shared with the filing campaign's
signed form; this module words its refusals for approval attachments and dissolution evidence.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from qunguan.registry import errors
from qunguan.registry.errors import RegistryError
from qunguan.uploads.scans import Problem, ScanRejected, inspect_scan

__all__ = ["check_attachment"]


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{round(n / (1024 * 1024), 1):g} MB"
    return f"{max(n // 1024, 1)} KB"


def check_attachment(upload: UploadedFile) -> str:
    """Return the file type (``pdf``, ``jpg``, ``png``) of an acceptable scan.

    Raises RegistryError (``invalid``, field ``file``) naming the file and what is wrong.
    """
    name = upload.name or "附件"
    limit = settings.QUNGUAN_MAX_UPLOAD_BYTES
    try:
        return inspect_scan(upload, name=name, size=upload.size, limit=limit, by_name=True)
    except ScanRejected as exc:
        message = {
            Problem.BAD_NAME: f"附件“{name}”：只能上传 PDF、JPG 或 PNG 格式的扫描件。",
            Problem.TOO_LARGE: f"附件“{name}”：文件不能超过 {_size(limit)}。",
            Problem.EMPTY: f"附件“{name}”：文件是空的。",
        }.get(
            exc.problem,
            f"附件“{name}”：文件内容不是真实的 {exc.suffix.upper()} 文件，请上传签字盖章后的扫描件。",
        )
        raise RegistryError(errors.INVALID, message, field="file") from None
