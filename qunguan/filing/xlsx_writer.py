"""The filing form as an Excel workbook (.xlsx), ready to print on A4 landscape.

One sheet: the annex mark, the title, the four header lines, then the transposed table in
blocks of six group columns — the first block as in the annex, each further block below it
on a new printed page under "（续表）" — then the annex's note and the signature/stamp line.
Printing at 100 % with manual page breaks (Excel ignores manual breaks when "fit to page" is
on), so the column widths below are chosen to fill the page width.
"""

from __future__ import annotations

import io
import math

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from qunguan.filing.form import (
    ANNEX_MARK,
    COLUMNS_PER_PAGE,
    CONTINUATION,
    NOTE,
    SIGNATURE_LINE,
    FilingForm,
)

SHEET_TITLE = "备案登记表"
FONT_NAME = "宋体"
LABEL_WIDTH = 17.0  # characters; a CJK character takes two
GROUP_WIDTH = 20.0  # 17 + 6 × 20 characters ≈ 26.3 cm in Calibri units: A4 landscape within 1.27 cm margins
LINE_HEIGHT = 14.0  # points per line of 10.5 pt text
MARGIN_IN = 0.5

THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
LABEL_FILL = PatternFill("solid", fgColor="F2F2F2")
BODY_FONT = Font(name=FONT_NAME, size=10.5)
BOLD_FONT = Font(name=FONT_NAME, size=10.5, bold=True)
TEXT_FONT = Font(name=FONT_NAME, size=12)
TITLE_FONT = Font(name="黑体", size=18, bold=True)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)


def _display_width(text: str) -> int:
    """Return the width of ``text`` in Excel character units (CJK and full-width count two)."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _lines(value: object, width: float) -> int:
    """Return how many printed lines ``value`` needs in a wrapped cell ``width`` characters wide."""
    usable = max(width * 0.9 - 1.0, 1.0)  # padding, and bold or wide glyphs, take some room
    return sum(max(1, math.ceil(_display_width(part) / usable)) for part in str(value).split("\n"))


def _full_row(ws: Worksheet, row: int, last_col: int, text: str, font: Font, align: Alignment) -> None:
    cell = ws.cell(row=row, column=1, value=text)
    cell.font = font
    cell.alignment = align
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=last_col)


def _table(ws: Worksheet, top: int, rows: list[list[str | int]]) -> int:
    """Write one block of the transposed table at row ``top``; return the next free row."""
    for r, values in enumerate(rows):
        row = top + r
        for c, value in enumerate(values, start=1):
            cell = ws.cell(row=row, column=c, value=value)
            cell.border = BOX
            is_label = c == 1
            cell.font = BOLD_FONT if is_label or r == 0 else BODY_FONT
            cell.alignment = CENTER if is_label or r == 0 else LEFT
            if is_label:
                cell.fill = LABEL_FILL
        # the label column is wide enough for every label; only the groups' cells set the height
        lines = max((_lines(value, GROUP_WIDTH) for value in values[1:]), default=1)
        ws.row_dimensions[row].height = lines * LINE_HEIGHT + 8
    return top + len(rows)


def write_xlsx(form: FilingForm) -> bytes:
    """Return ``form`` as the bytes of an .xlsx workbook."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None  # a new workbook always has its first sheet
    ws.title = SHEET_TITLE
    last_col = 1 + COLUMNS_PER_PAGE
    ws.column_dimensions["A"].width = LABEL_WIDTH
    for c in range(2, last_col + 1):
        ws.column_dimensions[get_column_letter(c)].width = GROUP_WIDTH

    ws.cell(row=1, column=1, value=ANNEX_MARK).font = Font(name="黑体", size=12)
    _full_row(ws, 2, last_col, form.title, TITLE_FONT, CENTER)
    ws.row_dimensions[2].height = 32
    row = 3
    for line in form.header_lines:
        _full_row(ws, row, last_col, line, TEXT_FONT, LEFT)
        ws.row_dimensions[row].height = 18
        row += 1

    for n, block in enumerate(form.pages()):
        if n:
            ws.row_breaks.append(Break(id=row - 1))
            _full_row(ws, row, last_col, CONTINUATION, TEXT_FONT, LEFT)
            row += 1
        row = _table(ws, row, form.rows(block))

    _full_row(ws, row, last_col, NOTE, Font(name=FONT_NAME, size=10), LEFT)
    ws.row_dimensions[row].height = 20
    row += 2
    _full_row(ws, row, last_col, SIGNATURE_LINE, TEXT_FONT, LEFT)
    ws.row_dimensions[row].height = 28

    ws.print_area = f"A1:{get_column_letter(last_col)}{row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.scale = 100
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = MARGIN_IN
    ws.page_margins.top = ws.page_margins.bottom = MARGIN_IN
    footer = ws.oddFooter
    if footer is not None:  # always set on a new sheet; the stubs allow None
        footer.center.text = "第 &P 页，共 &N 页"
    ws.sheet_view.zoomScale = 100
    wb.properties.title = form.title
    wb.properties.subject = f"{form.unit_name} 备案登记表"
    wb.properties.creator = "qunguan"

    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
