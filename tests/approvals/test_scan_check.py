"""The one scan check (签字盖章扫描件) behind approval attachments, dissolution evidence and the filing's signed form."""

from __future__ import annotations

import io

import pytest

from qunguan.uploads.scans import Problem, ScanRejected, inspect_scan, sniff_scan

PDF = b"%PDF-1.7\n..."
JPG = b"\xff\xd8\xff\xe0JFIF..."
PNG = b"\x89PNG\r\n\x1a\n...."
DOCX = b"PK\x03\x04word/document.xml"


@pytest.mark.parametrize(
    ("head", "kind"),
    [(PDF, "pdf"), (JPG, "jpg"), (PNG, "png"), (DOCX, None), (b"%PD", None), (b"", None)],
)
def test_a_scan_is_told_by_its_first_bytes(head, kind):
    assert sniff_scan(head) == kind


def inspect(content: bytes, name: str, *, by_name: bool, limit: int = 1024) -> str:
    return inspect_scan(io.BytesIO(content), name=name, size=len(content), limit=limit, by_name=by_name)


@pytest.mark.parametrize(
    ("content", "name", "by_name", "kind"),
    [
        (PDF, "签批单.pdf", True, "pdf"),
        (JPG, "签批单.JPEG", True, "jpg"),
        (PNG, "签批单.png", True, "png"),
        (PDF, "scan.bin", False, "pdf"),
        (PNG, "登记表.pdf", False, "png"),
    ],
)
def test_an_acceptable_scan_gives_its_type(content, name, by_name, kind):
    assert inspect(content, name, by_name=by_name) == kind


@pytest.mark.parametrize(
    ("content", "name", "by_name", "problem"),
    [
        (PDF, "签批单.docx", True, Problem.BAD_NAME),
        (PNG, "签批单.pdf", True, Problem.MISMATCH),
        (DOCX, "签批单.pdf", True, Problem.MISMATCH),
        (DOCX, "登记表.pdf", False, Problem.NOT_A_SCAN),
        (b"", "登记表.pdf", False, Problem.EMPTY),
        (PDF + b"0" * 2048, "登记表.pdf", False, Problem.TOO_LARGE),
        (PDF + b"0" * 2048, "签批单.pdf", True, Problem.TOO_LARGE),
    ],
)
def test_a_bad_scan_is_refused_with_what_is_wrong(content, name, by_name, problem):
    with pytest.raises(ScanRejected) as exc:
        inspect(content, name, by_name=by_name)
    assert exc.value.problem is problem


def test_inspecting_leaves_the_file_at_its_start():
    stream = io.BytesIO(PDF)
    inspect_scan(stream, name="a.pdf", size=len(PDF), limit=1024, by_name=True)
    assert stream.read() == PDF
