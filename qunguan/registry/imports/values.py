"""Parsing single cells: text, yes/no, dates, counts, phones, e-mail, roster numbers.

Each parser returns the clean value or raises ``BadValue`` with the Chinese reason that the
report shows beside the line and field.
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from qunguan.registry.imports.reading import Cell


class BadValue(Exception):
    """The cell's content is not acceptable; ``str(exc)`` is the reason shown to the user.

    ``code`` is the stable machine code of the problem (``invalid``, ``unknown_unit`` …).
    """

    def __init__(self, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.code = code


def text(cell: Cell) -> str:
    """Return the cell as trimmed text; numbers typed into Excel lose their ``.0``."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "是" if cell else "否"
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, dt.datetime):
        return cell.date().isoformat()
    if isinstance(cell, dt.date):
        return cell.isoformat()
    return str(cell).replace("\u3000", " ").strip()


_YES = {"是", "y", "yes", "true", "1", "√", "✓", "有", "在校", "在岗", "正常", "t"}
_NO = {"否", "n", "no", "false", "0", "×", "✗", "无", "离校", "离岗", "不正常", "f"}


def yes_no(cell: Cell) -> bool:
    if isinstance(cell, bool):
        return cell
    value = text(cell).lower()
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise BadValue(f"应填“是”或“否”，而不是“{text(cell)}”")


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def date(cell: Cell) -> dt.date:
    """Accept 2024-03-01, 2024/3/1, 2024.3.1, 2024年3月1日, 20240301 and Excel date cells."""
    if isinstance(cell, dt.datetime):
        return cell.date()
    if isinstance(cell, dt.date):
        return cell
    if isinstance(cell, int | float) and not isinstance(cell, bool) and 20000 < cell < 80000:
        # a date cell that lost its number format: Excel's serial day number
        from openpyxl.utils.datetime import from_excel

        return from_excel(cell).date()
    value = text(cell)
    # "2024-03-01 00:00:00" as some exports write a date
    value = re.sub(r"\s+\d{1,2}:\d{2}(:\d{2})?$", "", value)
    for pattern in _DATE_PATTERNS:
        match = pattern.match(value)
        if match:
            year, month, day = (int(g) for g in match.groups())
            try:
                return dt.date(year, month, day)
            except ValueError:
                break
    raise BadValue(f"无法识别的日期“{value}”，请写成 2024-03-01 或 2024年3月1日")


def count(cell: Cell) -> int:
    if isinstance(cell, int) and not isinstance(cell, bool) and cell >= 0:
        return cell
    value = text(cell).removesuffix("人")
    if value.isdigit():
        return int(value)
    raise BadValue(f"人数应为非负整数，而不是“{text(cell)}”")


_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")


def phone(cell: Cell) -> str:
    """Return a mainland mobile (13800138000) or landline (028-85430000) in a plain form."""
    raw = text(cell)
    value = raw.translate(str.maketrans("０１２３４５６７８９－（）＋", "0123456789-()+"))
    value = re.sub(r"[\s()]", "", value)
    if value.startswith("+86"):
        value = value[3:].lstrip("-")
    elif value.startswith("86") and len(re.sub(r"\D", "", value)) == 13:
        value = value[2:].lstrip("-")
    if _MOBILE.match(value.replace("-", "")):
        return value.replace("-", "")
    if _LANDLINE.match(value):
        return value
    raise BadValue(f"联系电话“{raw}”格式不正确，应为 11 位手机号或带区号的固定电话")


def email(cell: Cell) -> str:
    value = text(cell)
    try:
        validate_email(value)
    except ValidationError:
        raise BadValue(f"邮箱“{value}”格式不正确") from None
    return value


_NUMBER = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


def roster_number(cell: Cell) -> str:
    """Return a staff or student number (工号/学号): letters, digits, ``-`` and ``_``, at most 32."""
    value = text(cell)
    if not _NUMBER.match(value):
        raise BadValue(f"工号/学号“{value}”格式不正确，只能包含字母、数字、“-”和“_”，最长 32 位")
    return value


def numbers(cell: Cell) -> list[str]:
    """Split a list of numbers written with 、 , ， ; ； or spaces."""
    return [part for part in re.split(r"[、,，;；\s]+", text(cell)) if part]


_PAREN_NUMBER = re.compile(r"[（(]\s*([A-Za-z0-9_-]+)\s*[)）]\s*$")


def person_ref(value: str) -> str:
    """Return the number in "王建国（T1001）", or the value itself."""
    match = _PAREN_NUMBER.search(value)
    return match.group(1) if match else value.strip()
