"""The removal list (待清理成员名单, 1(3) 移除无关人员): the latest snapshot's members not verified.

Rows are built once (``removal_rows``) and written as CSV or XLSX. Cards and nicknames are text
that anyone in the group typed, so cells that a spreadsheet would run as a formula are defused.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from typing import Any

from django.utils import timezone

from qunguan.members.models import MatchStatus, Member, MemberSnapshot
from qunguan.privacy_at_rest import mask_text

COLUMNS = ("群名片", "昵称", "QQ号/微信号", "角色", "入群时间", "核验结果", "原因", "花名册人员")
# Removal order: strangers first, then people of other units, then the ones to clarify.
STATUS_ORDER = {MatchStatus.UNKNOWN: 0, MatchStatus.OUT_OF_SCOPE: 1, MatchStatus.AMBIGUOUS: 2}


def mask_account(value: str) -> str:
    """Return a QQ number or WeChat id with its middle hidden (100***03); short ones fully hidden."""
    if len(value) <= 5:
        return "*" * len(value)
    return value[:3] + "*" * 3 + value[-2:]


def mask_number(value: str) -> str:
    """Return a staff/student number with all but its last two characters hidden."""
    return "*" * max(len(value) - 2, 0) + value[-2:]


def removal_members(snapshot: MemberSnapshot) -> list[Member]:
    """Return the members of ``snapshot`` to remove or clarify (robots left out), strangers first."""
    members = list(
        snapshot.members.exclude(status=MatchStatus.VERIFIED)
        .exclude(is_robot=True)
        .select_related("person", "person__unit")
    )
    members.sort(key=lambda m: (STATUS_ORDER.get(MatchStatus(m.status), 9), m.card or m.nickname, m.pk))
    return members


def removal_rows(snapshot: MemberSnapshot, *, reveal: bool) -> list[dict[str, str]]:
    """Return the removal list as rows keyed by ``COLUMNS``; ids and numbers masked unless ``reveal``.

    The page and the downloads show these same rows, so a file holds what its reader sees on
    screen. Unless ``reveal``, an ID, phone or bank card number a member put in the card or
    nickname (群名片 “张三 138…”) is masked too.
    """
    text = (lambda value: value) if reveal else mask_text
    rows = []
    for m in removal_members(snapshot):
        person = ""
        if m.person is not None:
            number = m.person.number if reveal else mask_number(m.person.number)
            person = f"{m.person.name}（{number}，{m.person.unit.name}）"
        rows.append(
            {
                "群名片": text(m.card),
                "昵称": text(m.nickname),
                "QQ号/微信号": m.platform_id if reveal else mask_account(m.platform_id),
                "角色": m.get_role_display(),
                "入群时间": f"{timezone.localtime(m.joined_at):%Y-%m-%d %H:%M}" if m.joined_at else "",
                "核验结果": m.get_status_display(),
                "原因": text(m.reason),
                "花名册人员": person,
            }
        )
    return rows


def _safe(value: str) -> str:
    # A leading = + - @ (or a tab/CR) makes Excel evaluate the cell (CSV/formula injection).
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def write_csv(rows: Sequence[dict[str, str]]) -> bytes:
    """Return the rows as CSV with a BOM, so that Excel on Chinese Windows opens it as UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([_safe(row[c]) for c in COLUMNS])
    return out.getvalue().encode("utf-8-sig")


def write_xlsx(rows: Sequence[dict[str, str]]) -> bytes:
    """Return the rows as an XLSX workbook with one sheet, every cell stored as text."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet: Any = workbook.active
    sheet.title = "待清理成员"
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_safe(row[c]) for c in COLUMNS])
    for column, width in zip("ABCDEFGH", (18, 14, 16, 8, 17, 16, 40, 30), strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


WRITERS: dict[str, Callable[[Sequence[dict[str, str]]], bytes]] = {"csv": write_csv, "xlsx": write_xlsx}
