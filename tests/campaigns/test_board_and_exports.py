"""The progress board, who sees which filing, and the exports of a campaign."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess

import pytest
from docx import Document
from openpyxl import load_workbook

from qunguan.auditlog.events import AuditEvent
from qunguan.auditlog.models import AuditLogEntry
from qunguan.campaigns import access, actions
from qunguan.campaigns.exports import do_export_campaign_filing, do_export_campaign_summary
from qunguan.campaigns.progress import counts, progress
from qunguan.filing.pdf_writer import PACKAGED_FONT
from qunguan.registry.errors import RegistryError

from .helpers import YEAR, complete, filing_of, open_campaign


def font_name_available() -> bool:
    return PACKAGED_FONT.is_file()


def test_board_marks_units_that_missed_the_deadline(cast):
    campaign = open_campaign(cast)
    complete(cast.manager_a, filing_of(campaign, cast.composition))
    before = {r.filing.unit.name: r for r in progress(campaign.filings.all(), today=dt.date(YEAR, 3, 10))}
    assert not before["声乐系"].overdue
    after = {r.filing.unit.name: r for r in progress(campaign.filings.all(), today=dt.date(YEAR, 3, 11))}
    assert after["声乐系"].overdue
    assert not after["作曲系"].overdue
    assert (after["作曲系"].groups, after["作曲系"].confirmed, after["作曲系"].pending) == (1, 1, 0)
    assert counts(list(after.values())) == {
        "open": 1,
        "submitted": 1,
        "returned": 0,
        "accepted": 0,
        "overdue": 1,
    }


@pytest.mark.parametrize(
    ("who", "units"),
    [
        ("supervisor", {"作曲系", "声乐系"}),
        ("manager_a", {"作曲系"}),
        ("manager_b", {"声乐系"}),
        ("head_a", {"作曲系"}),
        ("group_admin", set()),
        ("outsider", set()),
    ],
)
def test_each_role_sees_only_its_units_filings(cast, who, units):
    open_campaign(cast)
    assert {f.unit.name for f in access.visible_filings(getattr(cast, who))} == units


def test_a_sibling_units_filing_is_not_found(cast):
    campaign = open_campaign(cast)
    with pytest.raises(access.NotFound):
        access.access_filing(cast.manager_b, filing_of(campaign, cast.composition).pk)
    with pytest.raises(access.Forbidden):
        access.access_filing(cast.head_a, filing_of(campaign, cast.composition).pk, manage=True)


def _read_xlsx(content: bytes) -> set[str]:
    wb = load_workbook(io.BytesIO(content))
    return {
        str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None
    }


def _read_docx(content: bytes) -> set[str]:
    doc = Document(io.BytesIO(content))
    texts = {p.text for p in doc.paragraphs}
    texts |= {cell.text for t in doc.tables for row in t.rows for cell in row.cells}
    return texts


def test_the_exported_form_shows_what_the_unit_stated(cast):
    filing = filing_of(open_campaign(cast), cast.composition)
    actions.do_review_entry(
        cast.manager_a, filing.entries.get(), changes={"name": "作曲系全体教师群", "member_count": 47}
    )
    _, xlsx = do_export_campaign_filing(cast.manager_a, filing, "xlsx")
    cells = _read_xlsx(xlsx)
    assert {"作曲系全体教师群", "47", "600100200", "填报部门（签字、盖章）：作曲系"} <= cells
    _, docx = do_export_campaign_filing(cast.manager_a, filing, "docx")
    assert "作曲系全体教师群" in _read_docx(docx)
    assert "作曲系教职工群" not in _read_docx(docx)


def test_the_pdf_is_a_printable_a4_landscape_document(cast):
    filing = filing_of(open_campaign(cast), cast.composition)
    filename, pdf = do_export_campaign_filing(cast.supervisor, filing, "pdf")
    assert filename == f"作曲系-{YEAR}年度备案登记表.pdf"
    assert pdf.startswith(b"%PDF-")
    assert b"/MediaBox [ 0 0 841.8898 595.2756 ]" in pdf
    assert b"/Title" in pdf


def test_contacts_on_the_form_are_masked_for_a_unit_head(cast):
    filing = filing_of(open_campaign(cast), cast.composition)
    _, content = do_export_campaign_filing(cast.head_a, filing, "xlsx")
    cells = _read_xlsx(content)
    assert any("138****8000" in c for c in cells)
    assert not any("13800138000" in c for c in cells)


def test_manager_of_vocal_cannot_export_composition(cast):
    filing = filing_of(open_campaign(cast), cast.composition)
    with pytest.raises(RegistryError) as exc:
        do_export_campaign_filing(cast.manager_b, filing, "pdf")
    assert exc.value.message == "您无权查看单位“作曲系”的填报。"


def test_summary_workbook_lists_progress_and_every_filed_group(cast):
    campaign = open_campaign(cast)
    complete(cast.manager_a, filing_of(campaign, cast.composition))
    filename, content = do_export_campaign_summary(cast.supervisor, campaign, today=dt.date(YEAR, 3, 11))
    assert filename == f"{YEAR}年度群组备案填报汇总.xlsx"
    wb = load_workbook(io.BytesIO(content))
    assert wb.sheetnames == ["填报进度", "群组汇总"]
    progress_rows = [[c.value for c in row] for row in wb["填报进度"].iter_rows(min_row=2)]
    assert [r[:3] for r in progress_rows] == [["作曲系", "已提交", 1], ["声乐系", "待填报", 1]]
    assert progress_rows[1][8] == "逾期未交"
    groups = [[c.value for c in row] for row in wb["群组汇总"].iter_rows(min_row=2)]
    assert [g[3] for g in groups] == ["作曲系教职工群", "声乐系工作群"]
    assert AuditLogEntry.objects.filter(event_type=AuditEvent.CAMPAIGN_SUMMARY_EXPORTED).count() == 1


def test_only_the_supervisor_exports_the_summary(cast):
    campaign = open_campaign(cast)
    with pytest.raises(RegistryError) as exc:
        do_export_campaign_summary(cast.manager_a, campaign)
    assert exc.value.message == "只有党委宣传部可以导出全校填报汇总表。"


def test_without_a_font_file_the_pdf_names_the_readers_song_typeface(cast, settings):
    settings.QUNGUAN_PDF_FONT = "cid"
    filing = filing_of(open_campaign(cast), cast.composition)
    _, pdf = do_export_campaign_filing(cast.supervisor, filing, "pdf")
    assert b"/BaseFont /STSong-Light" in pdf


@pytest.mark.skipif(
    not shutil.which("pdftotext") or not font_name_available(), reason="needs poppler and a CJK font"
)
def test_the_pdf_reads_back_with_the_groups_and_header(cast, tmp_path):
    filing = filing_of(open_campaign(cast), cast.composition)
    _, pdf = do_export_campaign_filing(cast.supervisor, filing, "pdf")
    path = tmp_path / "form.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    for expected in (
        "备案登记表",
        "填报部门（签字、盖章）：作曲系",
        "作曲系教职工群",
        "600100200",
        "王建国 13800138000",
    ):
        assert expected in text
