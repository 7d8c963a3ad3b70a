"""The filing form as a PDF, A4 landscape, made in pure Python (reportlab): no office suite needed.

Fonts (``QUNGUAN_PDF_FONT``): left empty, the font shipped in the package is used — 文泉驿微米黑
(``fonts/wqy-microhei.ttc``, Apache-2.0; see ``fonts/README.md``) — embedded as a subset of the
characters used, so the file reads the same on every machine and no server font is needed. A
path names another TrueType font file (a .ttf, or a .ttc with ``#index``), embedded the same
way. ``cid`` asks for the Adobe CID font STSong-Light instead, which reportlab knows by name and
which is not embedded: Chinese PDF readers draw it with their own 宋体. Nothing is downloaded.

The layout follows the XLSX and DOCX writers: the annex mark, the title, the four header lines,
the transposed table in blocks of six group columns (each further block on a new page under
"（续表）"), the note and the signature line; page numbers in the footer.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from django.conf import settings
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from qunguan.filing.form import (
    ANNEX_MARK,
    COLUMNS_PER_PAGE,
    CONTINUATION,
    NOTE,
    SIGNATURE_LINE,
    FilingForm,
)

CID_FONT = "STSong-Light"
EMBEDDED_FONT = "QunguanEmbedded"
MARGIN = 1.27 * cm
LABEL_WIDTH = 3.6 * cm
PAGE = landscape(A4)
GROUP_WIDTH = (PAGE[0] - 2 * MARGIN - LABEL_WIDTH) / COLUMNS_PER_PAGE


# The font shipped with qunguan (TrueType outlines: reportlab cannot embed CFF-based OpenType).
PACKAGED_FONT = Path(__file__).resolve().parent / "fonts" / "wqy-microhei.ttc"
# The embeddable CJK fonts this installation has for certain (older callers ask by this name).
SYSTEM_FONTS = (str(PACKAGED_FONT),)


@cache
def _font_for(configured: str) -> str:
    """Register and return the font name for ``configured`` (see the module docstring)."""
    if not configured:
        configured = f"{PACKAGED_FONT}#0"
    if configured == "cid":
        pdfmetrics.registerFont(UnicodeCIDFont(CID_FONT))
        return CID_FONT
    path, _, index = configured.partition("#")
    if not Path(path).is_file():
        raise FileNotFoundError(f"QUNGUAN_PDF_FONT：找不到字体文件 {path}")
    pdfmetrics.registerFont(TTFont(EMBEDDED_FONT, path, subfontIndex=int(index or 0)))
    return EMBEDDED_FONT


def font_name() -> str:
    """Return the name of the font the PDF is set in (see the module docstring)."""
    return _font_for(getattr(settings, "QUNGUAN_PDF_FONT", ""))


def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=font, fontSize=12, leading=16, wordWrap="CJK")
    return {
        "mark": ParagraphStyle("mark", parent=base),
        "title": ParagraphStyle(
            "title", parent=base, fontSize=18, leading=24, alignment=TA_CENTER, spaceAfter=8
        ),
        "text": ParagraphStyle("text", parent=base, spaceAfter=2),
        "note": ParagraphStyle("note", parent=base, fontSize=10, leading=14, spaceBefore=6, spaceAfter=18),
        "cell": ParagraphStyle("cell", parent=base, fontSize=10, leading=13, alignment=TA_LEFT),
        "head": ParagraphStyle("head", parent=base, fontSize=10, leading=13, alignment=TA_CENTER),
    }


def _para(text: object, style: ParagraphStyle) -> Paragraph:
    # Paragraph reads a little markup: escape the registry's text and keep its line breaks
    return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)


def _table(rows: list[list[str | int]], styles: dict[str, ParagraphStyle]) -> Table:
    data = [
        [_para(value, styles["head"] if c == 0 or r == 0 else styles["cell"]) for c, value in enumerate(row)]
        for r, row in enumerate(rows)
    ]
    table = Table(
        data,
        colWidths=[LABEL_WIDTH] + [GROUP_WIDTH] * (len(rows[0]) - 1),
        repeatRows=0,
        hAlign="CENTER",
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#F2F2F2")),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return table


def write_pdf(form: FilingForm) -> bytes:
    """Return ``form`` as the bytes of a PDF document."""
    font = font_name()
    styles = _styles(font)
    story: list[object] = [
        _para(ANNEX_MARK, styles["mark"]),
        _para(form.title, styles["title"]),
        *(_para(line, styles["text"]) for line in form.header_lines),
        Spacer(1, 6),
    ]
    for n, block in enumerate(form.pages()):
        if n:
            story += [PageBreak(), _para(CONTINUATION, styles["text"])]
        story.append(_table(form.rows(block), styles))
    # the signature line never prints alone on a page
    story.append(KeepTogether([_para(NOTE, styles["note"]), _para(SIGNATURE_LINE, styles["text"])]))

    def footer(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(font, 9)
        canvas.drawCentredString(PAGE[0] / 2, MARGIN / 2, f"第 {doc.page} 页")
        canvas.restoreState()

    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=PAGE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=form.title,
        subject=f"{form.unit_name} 备案登记表",
        author="qunguan",
        invariant=1,
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()
