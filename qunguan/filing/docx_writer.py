"""The filing form as a Word document (.docx), ready to print on A4 landscape.

The annex mark, the title and the four header lines, then the transposed table with ruled
borders; six group columns per table, each further table on a new page under "（续表）"; then
the annex's note and the signature/stamp line. Fonts are 宋体 (table and text) and 黑体 (title),
set for East Asian text too, so Word does not fall back to a Latin font for the Chinese.
"""

from __future__ import annotations

import io
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from qunguan.filing.form import (
    ANNEX_MARK,
    COLUMNS_PER_PAGE,
    CONTINUATION,
    NOTE,
    SIGNATURE_LINE,
    FilingForm,
)

BODY_FONT = "宋体"
TITLE_FONT = "黑体"
PAGE_WIDTH, PAGE_HEIGHT = Cm(29.7), Cm(21.0)
MARGIN_CM = 1.27  # half an inch all round, as in the workbook
LABEL_WIDTH_CM = 3.6  # "创建者及联系方式" on one line at 10 pt, with the cell padding
TABLE_FONT_SIZE = 10.0
# The group columns share what the label column leaves of the text width (27.16 cm), six to a page.
GROUP_WIDTH_CM = (29.7 - 2 * MARGIN_CM - LABEL_WIDTH_CM) / COLUMNS_PER_PAGE


def _set_font(run: Run, name: str, size: float, *, bold: bool = False) -> None:
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    # w:eastAsia is the font Word uses for CJK characters; font.name alone sets only Latin ones
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


def _paragraph(
    doc: Any,
    text: str,
    *,
    size: float = 12,
    font: str = BODY_FONT,
    bold: bool = False,
    align: Any = WD_ALIGN_PARAGRAPH.LEFT,
    after: float = 2,
) -> Paragraph:
    paragraph: Paragraph = doc.add_paragraph()
    paragraph.alignment = align
    paragraph.paragraph_format.space_before = Pt(0)
    paragraph.paragraph_format.space_after = Pt(after)
    _set_font(paragraph.add_run(text), font, size, bold=bold)
    return paragraph


def _fill(cell: _Cell, value: str | int, *, bold: bool, center: bool, width: Any) -> None:
    cell.width = width
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    paragraph = cell.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER if center else WD_ALIGN_PARAGRAPH.LEFT
    paragraph.paragraph_format.space_after = Pt(0)
    # Run.text turns "\n" into line breaks, so several admins stay in one cell
    _set_font(paragraph.add_run(str(value)), BODY_FONT, TABLE_FONT_SIZE, bold=bold)


def _table(doc: Any, rows: list[list[str | int]]) -> Table:
    """Add one block of the transposed table: labels in the first column, one column per group."""
    table: Table = doc.add_table(rows=len(rows), cols=len(rows[0]))
    table.style = "Table Grid"  # single ruled borders on every cell
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    widths = [Cm(LABEL_WIDTH_CM)] + [Cm(GROUP_WIDTH_CM)] * (len(rows[0]) - 1)
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    for r, values in enumerate(rows):
        row = table.rows[r]
        row.height = Cm(1.0)
        # a field's row is never split across two pages
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        for c, value in enumerate(values):
            is_label = c == 0
            _fill(row.cells[c], value, bold=is_label or r == 0, center=is_label or r == 0, width=widths[c])
    return table


def _page_number_footer(doc: Any) -> None:
    paragraph = doc.sections[0].footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _set_font(paragraph.add_run("第 "), BODY_FONT, 9)
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    number = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    number.append(text)
    field.append(number)
    paragraph._p.append(field)
    _set_font(paragraph.add_run(" 页"), BODY_FONT, 9)


def write_docx(form: FilingForm) -> bytes:
    """Return ``form`` as the bytes of a .docx document."""
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.left_margin = section.right_margin = Cm(MARGIN_CM)
    section.top_margin = section.bottom_margin = Cm(MARGIN_CM)
    doc.core_properties.title = form.title
    doc.core_properties.subject = f"{form.unit_name} 备案登记表"
    doc.core_properties.author = "qunguan"
    _page_number_footer(doc)

    _paragraph(doc, ANNEX_MARK, font=TITLE_FONT)
    _paragraph(doc, form.title, size=18, font=TITLE_FONT, align=WD_ALIGN_PARAGRAPH.CENTER, after=8)
    for line in form.header_lines:
        _paragraph(doc, line, after=2)

    for n, block in enumerate(form.pages()):
        if n:
            # "page break before" on the heading, not a break paragraph: a table that ends at
            # the foot of a page would otherwise leave an empty page behind it
            _paragraph(doc, CONTINUATION, after=4).paragraph_format.page_break_before = True
        _table(doc, form.rows(block))

    note = _paragraph(doc, NOTE, size=10, after=18)
    note.paragraph_format.space_before = Pt(6)
    note.paragraph_format.keep_with_next = True  # the signature line never prints alone
    _paragraph(doc, SIGNATURE_LINE)

    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
