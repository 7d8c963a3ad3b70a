"""Every upload point refuses a file of the wrong type (told by its content, not its name), an
oversized file and a path-traversal name — with a clear Chinese error and nothing stored — and
keeps what it stores under the uploads directory, outside the web root.

One table, one row per upload point: the web forms and the API endpoints that take a file.
The requests are built as raw multipart bodies, as a browser or a hostile script sends them.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from qunguan.approvals import actions as approval_actions
from qunguan.campaigns import actions as campaign_actions

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64  # a Windows program renamed to look harmless
HTML = b"<html><script>alert(1)</script></html>"
LIMIT = 64 * 1024  # the upload limits during these specs, so that "oversize" stays small and fast


def docx(text: str = "关于召开工作例会的通知") -> bytes:
    """Return a real .docx (made by python-docx) holding ``text`` as one paragraph."""
    import docx as python_docx

    document = python_docx.Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


ROSTER_CSV = "工号/学号,姓名,类别,单位\nT9001,周六,staff,作曲系\n".encode()
MEMBERS_CSV = "QQ号,群名片,角色\n10001,作曲系-王建国,owner\n".encode()


@dataclass
class UploadPoint:
    """One place a user can upload a file: where, as whom, which field, and what it accepts."""

    name: str
    user: str  # the cast member who may upload here
    url: Callable[[Any], str]  # the URL, given the cast (set-up through actions happens here)
    field: str
    good_name: str
    good: bytes  # an acceptable file (also padded with its own kind of bytes for "oversize")
    wrong_name: str  # a name with an accepted extension ...
    wrong: bytes  # ... and content of another type
    type_error: str  # fragment of the Chinese message for a wrong type
    size_error: str  # fragment of the Chinese message for an oversized file
    extra: dict[str, str] = field(default_factory=dict)
    api: bool = False


def _approval_url(cast: Any, *, api: bool) -> str:
    approval = approval_actions.do_create_request(
        cast.manager_a, cast.group_a, kind="oversize", reason="学生人数超过150人", max_members=200
    )
    if api:
        return f"/api/approvals/{approval.pk}/attachments"
    return reverse("approval_step", args=[approval.pk, "attach"])


def _filing_url(cast: Any) -> str:
    campaign = campaign_actions.do_open_campaign(cast.supervisor, year=timezone.localdate().year)
    filing = campaign.filings.get(unit=cast.composition)
    return reverse("campaign_scan", args=[filing.pk])


POINTS = [
    UploadPoint(
        name="group rules document",
        user="manager_a",
        url=lambda cast: reverse("group_rules_upload", args=[cast.group_a.pk]),
        field="document",
        good_name="群管理办法.pdf",
        good=PDF,
        wrong_name="群管理办法.pdf",
        wrong=EXE,
        type_error="文件内容与扩展名不符",
        size_error="文件不能超过",
    ),
    UploadPoint(
        name="roster import",
        user="manager_a",
        url=lambda cast: reverse("roster_import"),
        field="file",
        good_name="花名册.csv",
        good=ROSTER_CSV,
        wrong_name="花名册.xlsx",
        wrong=EXE,
        type_error="无法打开 Excel 文件",
        size_error="文件不能超过",
    ),
    UploadPoint(
        name="member list import",
        user="manager_a",
        url=lambda cast: reverse("group_members_import", args=[cast.group_a.pk]),
        field="file",
        good_name="成员.csv",
        good=MEMBERS_CSV,
        wrong_name="成员.xlsx",
        wrong=EXE,
        type_error="成员.xlsx：无法打开",
        size_error="成员.csv：文件超过",
    ),
    UploadPoint(
        name="approval attachment (web)",
        user="manager_a",
        url=lambda cast: _approval_url(cast, api=False),
        field="file",
        good_name="签字盖章.pdf",
        good=PDF,
        wrong_name="签字盖章.pdf",
        wrong=HTML,
        type_error="文件内容不是真实的 PDF 文件",
        size_error="文件不能超过",
    ),
    UploadPoint(
        name="approval attachment (API)",
        user="manager_a",
        url=lambda cast: _approval_url(cast, api=True),
        field="file",
        good_name="签字盖章.png",
        good=PNG,
        wrong_name="签字盖章.png",
        wrong=EXE,
        type_error="文件内容不是真实的 PNG 文件",
        size_error="文件不能超过",
        api=True,
    ),
    UploadPoint(
        name="dissolution evidence",
        user="manager_a",
        url=lambda cast: reverse("group_dissolution", args=[cast.group_a.pk]),
        field="evidence",
        good_name="解散通知.png",
        good=PNG,
        wrong_name="解散通知.png",
        wrong=HTML,
        type_error="文件内容不是真实的 PNG 文件",
        size_error="文件不能超过",
        extra={"on": timezone.localdate().isoformat(), "reason": "工作结束"},
    ),
    UploadPoint(
        name="filing scan",
        user="manager_a",
        url=_filing_url,
        field="scan",
        good_name="备案登记表.pdf",
        good=PDF,
        wrong_name="备案登记表.pdf",
        wrong=EXE,
        type_error="不是 PDF、JPG 或 PNG 格式的扫描件或照片",
        size_error="签字盖章的登记表不能超过",
    ),
    UploadPoint(
        name="self-check document (web)",
        user="manager_a",
        url=lambda cast: reverse("selfcheck"),
        field="document",
        good_name="通知.docx",
        good=docx(),
        wrong_name="通知.docx",
        wrong=EXE,
        type_error="无法读取该 Word 文档",
        size_error="文件不能超过",
    ),
    UploadPoint(
        name="self-check document (API)",
        user="manager_a",
        url=lambda cast: "/api/audit/scan-docx",
        field="document",
        good_name="通知.docx",
        good=docx(),
        wrong_name="通知.docx",
        wrong=EXE,
        type_error="不是 .docx 格式",
        size_error="文件过大",
        api=True,
    ),
]


def multipart(fields: dict[str, str], file_field: str, filename: str, content: bytes) -> tuple[bytes, str]:
    """Return (body, content type) of a multipart/form-data request with one file, name as given."""
    boundary = "qunguan-spec-boundary-7d93"
    parts: list[bytes] = []
    for key, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        )
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


@pytest.fixture
def small_limits(settings: Any) -> None:
    settings.QUNGUAN_MAX_UPLOAD_BYTES = LIMIT
    settings.QUNGUAN_FILING_SCAN_MAX_BYTES = LIMIT


@dataclass
class Attempt:
    status: int
    text: str
    new_files: set[Path]
    new_outside: set[Path]


def upload(cast: Any, point: UploadPoint, filename: str, content: bytes, tmp_path: Path) -> Attempt:
    """Post one file to ``point`` as its user; return the answer and the files it left behind."""
    media = Path(settings.MEDIA_ROOT)
    staging = Path(settings.DATA_DIR) / "import-staging"
    url = point.url(cast)
    watched = [media, staging]
    before = {root: files_under(root) for root in watched}
    outside_before = {p for p in tmp_path.rglob("*") if p.is_file()} - files_under(media)
    client = Client()
    client.force_login(getattr(cast, point.user))
    body, content_type = multipart(point.extra, point.field, filename, content)
    response = client.post(url, data=body, content_type=content_type, follow=not point.api)
    text = json.dumps(response.json(), ensure_ascii=False) if point.api else response.content.decode()
    new_files = set().union(*(files_under(root) - before[root] for root in watched))
    outside = {p for p in tmp_path.rglob("*") if p.is_file()} - files_under(media) - outside_before
    return Attempt(response.status_code, text, new_files, outside)


@pytest.mark.parametrize("point", POINTS, ids=lambda p: p.name)
def test_an_acceptable_file_is_taken(
    cast: Any, point: UploadPoint, small_limits: None, tmp_path: Path
) -> None:
    attempt = upload(cast, point, point.good_name, point.good, tmp_path)
    assert attempt.status < 400, attempt.text[:500]
    assert point.type_error not in attempt.text
    assert point.size_error not in attempt.text
    assert attempt.new_outside == set()
    for path in attempt.new_files:
        assert Path(settings.MEDIA_ROOT) in path.parents or path.parent.name == "import-staging"


@pytest.mark.parametrize("point", POINTS, ids=lambda p: p.name)
def test_a_file_whose_content_is_another_type_is_refused(
    cast: Any, point: UploadPoint, small_limits: None, tmp_path: Path
) -> None:
    attempt = upload(cast, point, point.wrong_name, point.wrong, tmp_path)
    assert point.type_error in attempt.text
    assert attempt.new_files == set()
    assert attempt.new_outside == set()


@pytest.mark.parametrize("point", POINTS, ids=lambda p: p.name)
def test_an_oversized_file_is_refused(
    cast: Any, point: UploadPoint, small_limits: None, tmp_path: Path
) -> None:
    padding = b" " if point.good_name.endswith(".csv") else b"\x00"
    big = point.good + padding * (LIMIT * 2)
    if point.good_name.endswith(".docx"):
        big = docx(os.urandom(LIMIT).hex())  # a real .docx, too large
        assert len(big) > LIMIT
    attempt = upload(cast, point, point.good_name, big, tmp_path)
    assert point.size_error in attempt.text
    assert attempt.new_files == set()
    assert attempt.new_outside == set()


TRAVERSAL_NAMES = ["../../../../etc/cron.d/{name}", "..\\..\\..\\{name}", "/tmp/{name}", "....//....//{name}"]


@pytest.mark.parametrize("pattern", TRAVERSAL_NAMES)
@pytest.mark.parametrize("point", POINTS, ids=lambda p: p.name)
def test_a_path_traversal_name_never_places_a_file_outside_the_uploads(
    cast: Any, point: UploadPoint, pattern: str, small_limits: None, tmp_path: Path
) -> None:
    attempt = upload(cast, point, pattern.format(name=point.good_name), point.good, tmp_path)
    assert attempt.status < 500
    assert attempt.new_outside == set()
    media = Path(settings.MEDIA_ROOT).resolve()
    for path in attempt.new_files:
        resolved = path.resolve()
        assert media in resolved.parents or resolved.parent.name == "import-staging"
        assert ".." not in resolved.name
        assert "\\" not in resolved.name


def test_stored_uploads_are_outside_the_web_root_and_no_url_serves_them(cast: Any) -> None:
    media = Path(settings.MEDIA_ROOT).resolve()
    static = Path(settings.STATIC_ROOT).resolve()
    assert static not in media.parents
    assert media not in static.parents
    stored = media / "group-rules" / "qq-1" / "管理办法.pdf"
    stored.parent.mkdir(parents=True)
    stored.write_bytes(PDF)
    client = Client()
    client.force_login(cast.supervisor)
    relative = stored.relative_to(media).as_posix()
    for url in (
        f"/uploads/{relative}",
        f"/media/{relative}",
        f"/static/../uploads/{relative}",
        f"/{relative}",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
