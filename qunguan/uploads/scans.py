"""The one check of a signed and stamped scan (签字盖章扫描件): PDF, JPG or PNG, by size and first bytes.

Approval attachments, dissolution evidence and the filing campaign's signed form all accept the
same three kinds of file. ``inspect_scan`` decides; each caller words the refusal for its own
page (``ScanRejected.problem`` says what is wrong), so the rule lives in one place.
"""

from __future__ import annotations

import enum
from pathlib import PurePath
from typing import IO

# The first bytes each accepted file type starts with; the name alone proves nothing.
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "pdf": (b"%PDF-",),
    "jpg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
}
# File name suffixes taken as each type.
EXTENSIONS: dict[str, str] = {"pdf": "pdf", "jpg": "jpg", "jpeg": "jpg", "png": "png"}
CONTENT_TYPES = {"pdf": "application/pdf", "jpg": "image/jpeg", "png": "image/png"}
HEAD_BYTES = 16


class Problem(enum.Enum):
    EMPTY = "empty"
    TOO_LARGE = "too_large"
    BAD_NAME = "bad_name"  # the name's suffix is not .pdf/.jpg/.jpeg/.png
    NOT_A_SCAN = "not_a_scan"  # the content is none of the three
    MISMATCH = "mismatch"  # the content is not what the name's suffix claims


class ScanRejected(Exception):
    """Raised by ``inspect_scan``: ``problem`` says why; ``suffix`` is the type the name claims."""

    def __init__(self, problem: Problem, *, suffix: str = "") -> None:
        super().__init__(problem.value)
        self.problem = problem
        self.suffix = suffix


def sniff_scan(head: bytes) -> str | None:
    """Return "pdf", "jpg" or "png" from a file's first bytes, or None for anything else."""
    for kind, signatures in SIGNATURES.items():
        if any(head.startswith(s) for s in signatures):
            return kind
    return None


def inspect_scan(stream: IO[bytes], *, name: str, size: int | None, limit: int, by_name: bool) -> str:
    """Return the type ("pdf", "jpg" or "png") of an acceptable scan; leave ``stream`` at its start.

    ``by_name``: the name's suffix must be one of the three and match the content (approval
    attachments); without it only the content counts (the filing's signed form may come as
    ``scan.bin`` from a scanner). Raises ScanRejected.
    """
    suffix = PurePath(name).suffix.lower().lstrip(".")
    if by_name and suffix not in EXTENSIONS:
        raise ScanRejected(Problem.BAD_NAME, suffix=suffix)
    if size is not None and size > limit:
        raise ScanRejected(Problem.TOO_LARGE, suffix=suffix)
    if not size:
        raise ScanRejected(Problem.EMPTY, suffix=suffix)
    stream.seek(0)
    head = stream.read(HEAD_BYTES)
    stream.seek(0)
    kind = sniff_scan(head)
    if by_name and kind != EXTENSIONS[suffix]:
        raise ScanRejected(Problem.MISMATCH, suffix=suffix)
    if kind is None:
        raise ScanRejected(Problem.NOT_A_SCAN, suffix=suffix)
    return kind
