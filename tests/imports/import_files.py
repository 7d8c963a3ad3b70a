"""Import files built by the tests themselves: CSV (UTF-8, BOM, GB18030) and XLSX with real date cells."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook

ROSTER_HEADER = ["工号/学号", "姓名", "类别", "单位/班级", "联系电话", "邮箱", "在校/在岗"]
GROUP_HEADER = [
    "平台",
    "群号/账号",
    "群名称",
    "所属单位",
    "官方群",
    "成员范围",
    "主要功能或用途",
    "创建者工号",
    "管理员工号",
    "创建时间",
    "现有人数",
    "状态",
    "结束日期",
    "是否正常运行",
    "备注",
]


def csv_bytes(rows: Sequence[Sequence[Any]], encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: Sequence[Sequence[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
