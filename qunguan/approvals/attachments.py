"""Checks on an attached scan (签字盖章扫描件): PDF, JPG or PNG, by size and by content signature."""

from __future__ import annotations

from pathlib import PurePath

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from qunguan.registry import errors
from qunguan.registry.errors import RegistryError

# The first bytes each accepted file type starts with; the extension alone proves nothing.
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "pdf": (b"%PDF-",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
}
CONTENT_TYPES = {"pdf": "application/pdf", "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png"}


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{round(n / (1024 * 1024), 1):g} MB"
    return f"{max(n // 1024, 1)} KB"


def check_attachment(upload: UploadedFile) -> str:
    """Return the file type (``pdf``, ``jpg``, ``png``) of an acceptable scan.

    Raises RegistryError (``invalid``, field ``file``) naming the file and what is wrong.
    """
    name = upload.name or "附件"
    ext = PurePath(name).suffix.lower().lstrip(".")
    if ext not in SIGNATURES:
        raise RegistryError(
            errors.INVALID, f"附件“{name}”：只能上传 PDF、JPG 或 PNG 格式的扫描件。", field="file"
        )
    limit = settings.QUNGUAN_MAX_UPLOAD_BYTES
    if upload.size is not None and upload.size > limit:
        raise RegistryError(errors.INVALID, f"附件“{name}”：文件不能超过 {_size(limit)}。", field="file")
    if not upload.size:
        raise RegistryError(errors.INVALID, f"附件“{name}”：文件是空的。", field="file")
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(sig) for sig in SIGNATURES[ext]):
        raise RegistryError(
            errors.INVALID,
            f"附件“{name}”：文件内容不是真实的 {ext.upper()} 文件，请上传签字盖章后的扫描件。",
            field="file",
        )
    return "jpg" if ext == "jpeg" else ext
