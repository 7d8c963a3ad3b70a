"""The school-wide summary workbook of a filing campaign (全校填报汇总表): progress and every group.

Plain rows in, .xlsx bytes out; the campaign app decides what goes in.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import astuple, dataclass, fields

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet


@dataclass(frozen=True)
class UnitLine:
    unit: str
    state: str
    groups: int
    confirmed: int
    corrected: int
    pending: int
    scan: str
    submitted_at: str
    timeliness: str
    comment: str


@dataclass(frozen=True)
class GroupLine:
    unit: str
    sub_unit: str
    platform: str
    name: str
    account: str
    owner: str
    admins: str
    purpose: str
    created_on: str
    member_count: int
    running: str
    has_rules: str
    decision: str


UNIT_HEADINGS = (
    "单位",
    "状态",
    "群组数",
    "已确认",
    "已更正",
    "待核对",
    "签字盖章表",
    "提交时间",
    "是否逾期",
    "审核意见",
)
GROUP_HEADINGS = (
    "填报单位",
    "所属单位/班级",
    "群聊类别",
    "名称",
    "账号",
    "创建者",
    "管理员",
    "主要功能或用途",
    "创建时间",
    "现有人数",
    "是否正常运行",
    "是否建立管理办法",
    "核对结果",
)
HEAD_FONT = Font(name="宋体", bold=True)
HEAD_FILL = PatternFill("solid", fgColor="F2F2F2")
OVERDUE_FILL = PatternFill("solid", fgColor="FDE2E1")
assert len(UNIT_HEADINGS) == len(fields(UnitLine))
assert len(GROUP_HEADINGS) == len(fields(GroupLine))


def _sheet(ws: Worksheet, title: str, headings: Sequence[str], rows: Sequence[tuple[object, ...]]) -> None:
    ws.title = title
    ws.append(list(headings))
    for cell in ws[1]:
        cell.font = HEAD_FONT
        cell.fill = HEAD_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for row in rows:
        ws.append(list(row))
    for c, heading in enumerate(headings, start=1):
        width = max([len(str(heading)) * 2, *(len(str(r[c - 1])) * 2 for r in rows[:200])])
        ws.column_dimensions[get_column_letter(c)].width = min(max(width, 8), 40)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions


def write_summary(title: str, units: Sequence[UnitLine], groups: Sequence[GroupLine]) -> bytes:
    """Return the summary workbook: sheet 填报进度 (overdue units shaded) and sheet 群组汇总."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None  # a new workbook always has its first sheet
    _sheet(ws, "填报进度", UNIT_HEADINGS, [astuple(u) for u in units])
    for r, unit in enumerate(units, start=2):
        if unit.timeliness == "逾期未交":
            for cell in ws[r]:
                cell.fill = OVERDUE_FILL
    _sheet(wb.create_sheet(), "群组汇总", GROUP_HEADINGS, [astuple(g) for g in groups])
    wb.properties.title = title
    wb.properties.creator = "qunguan"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
