"""The PDF filing form carries its own Chinese font: 文泉驿微米黑, shipped in the package and embedded."""

from __future__ import annotations

import datetime as dt

from filing_files import add_group
from pdf_text import embedded_font_names, extract_text

from qunguan.filing import do_export_filing
from qunguan.filing.pdf_writer import PACKAGED_FONT

FILING_DATE = dt.date(2026, 3, 5)


def test_the_font_and_its_license_ship_inside_the_package():
    fonts = PACKAGED_FONT.parent
    assert PACKAGED_FONT.is_file()
    assert PACKAGED_FONT.stat().st_size < 6 * 1024 * 1024
    assert (
        "Apache-2.0 or GPL-3+ with Font exception"
        in (fonts / "LICENSE-wqy-microhei-copyright.txt").read_text()
    )
    assert "Apache License" in (fonts / "LICENSE-Apache-2.0.txt").read_text()


def test_by_default_the_pdf_embeds_the_packaged_font_not_the_readers_song_typeface(cast, settings):
    settings.QUNGUAN_PDF_FONT = ""
    _, pdf = do_export_filing(cast.supervisor, cast.composition, "pdf", filing_date=FILING_DATE)
    assert pdf.startswith(b"%PDF-")
    names = embedded_font_names(pdf)
    assert names
    assert all(name.split("+", 1)[1].startswith("WenQuanYiMicroHei") for name in names)
    assert b"STSong-Light" not in pdf


def test_the_chinese_group_names_read_back_from_the_pdf(cast, settings):
    settings.QUNGUAN_PDF_FONT = ""
    add_group(cast, platform="qq", name="作曲系2024级研究生班级群", account="600100201")
    _, pdf = do_export_filing(cast.supervisor, cast.composition, "pdf", filing_date=FILING_DATE)
    text = extract_text(pdf).replace("\n", "")
    for expected in ("备案登记表", "作曲系教职工群", "作曲系2024级研究生班级群", "600100200", "工作通知"):
        assert expected in text


def test_cid_still_selects_the_unembedded_song_typeface(cast, settings):
    settings.QUNGUAN_PDF_FONT = "cid"
    _, pdf = do_export_filing(cast.supervisor, cast.composition, "pdf", filing_date=FILING_DATE)
    assert b"/BaseFont /STSong-Light" in pdf
    assert embedded_font_names(pdf) == []
