"""The exported 备案登记表 reads like the annex of the regulation, in both XLSX and DOCX.

Each specification opens the produced file (openpyxl / python-docx) and reads what a person
would read on the printed page.
"""

from __future__ import annotations

import datetime as dt
import io

from docx import Document
from docx.enum.section import WD_ORIENT
from filing_files import FIELDS, add_group, read_form
from openpyxl import load_workbook

from qunguan.filing import do_export_filing
from qunguan.registry import actions

FILING_DATE = dt.date(2025, 3, 5)


def export(cast, fmt, unit=None, actor=None):
    _, content = do_export_filing(
        actor or cast.supervisor, unit or cast.composition, fmt, filing_date=FILING_DATE
    )
    return read_form(fmt, content)


def test_title_names_the_school_from_the_setting(cast, fmt, settings):
    settings.QUNGUAN_SCHOOL_NAME = "四川示例音乐学院"
    form = export(cast, fmt)
    assert form.texts[0] == "附件"
    assert form.texts[1] == "四川示例音乐学院校内各级各类QQ群、微信群等工作社交群组备案登记表"


def test_title_defaults_to_this_school(cast, fmt):
    assert export(cast, fmt).texts[1] == "本校各级各类QQ群、微信群等工作社交群组备案登记表"


def test_header_lines_name_unit_head_filler_and_date(cast, fmt):
    liaison = actions.do_create_person(
        None, number="T1002", name="赵敏", kind="staff", unit=cast.composition, phone="13600136000"
    )
    actions.do_update_unit(None, cast.composition, head=cast.teacher_a, liaison=liaison)
    form = export(cast, fmt)
    assert form.texts[2:6] == [
        "填报部门（签字、盖章）：作曲系",
        "部门负责人：王建国",
        "填报人：赵敏",
        "填报日期：2025年3月5日",
    ]


def test_without_a_liaison_the_exporting_manager_is_the_filler(cast, fmt):
    assert "填报人：王建国" in export(cast, fmt, actor=cast.manager_a).texts


def test_the_supervisor_leaves_head_and_filler_blank_for_the_unit(cast, fmt):
    texts = export(cast, fmt).texts
    assert "部门负责人：" in texts
    assert "填报人：" in texts


def test_every_field_of_the_annex_is_a_row_label_in_its_order(cast, fmt):
    [block] = export(cast, fmt).blocks
    assert [row[0] for row in block] == FIELDS


def test_the_annex_prints_three_wechat_then_three_qq_columns(cast, fmt):
    form = export(cast, fmt)
    assert form.headings == ["微信群1", "微信群2", "微信群3", "QQ群1", "QQ群2", "QQ群3"]
    for heading in ("微信群1", "微信群2", "微信群3", "QQ群2", "QQ群3"):
        assert set(form.column(heading).values()) == {heading, ""}, "unused columns stay blank"


def test_a_qq_group_fills_every_field_of_the_first_qq_column(cast, fmt):
    assert export(cast, fmt).column("QQ群1") == {
        "群聊类别": "QQ群1",
        "名称": "作曲系教职工群",
        "账号": "600100200",
        "创建者及联系方式": "王建国 13800138000",
        "管理员及联系方式": "王建国 13800138000",
        "主要功能或用途": "工作通知",
        "创建时间": "2022年9月1日",
        "现有人数": "45",
        "是否正常运行": "是",
        "是否建立管理办法": "否",
    }


def test_groups_sit_in_their_own_platform_columns(cast, fmt):
    add_group(cast, platform="wechat", account="wx-zuoqu-01", name="作曲系通知群", member_count=50)
    add_group(cast, platform="wechat", account="wx-zuoqu-02", name="作曲系教研群")
    form = export(cast, fmt)
    assert form.column("微信群1")["名称"] == "作曲系教研群"
    assert form.column("微信群2")["名称"] == "作曲系通知群"
    assert form.column("微信群2")["现有人数"] == "50"
    assert form.column("微信群3")["名称"] == ""
    assert form.column("QQ群1")["名称"] == "作曲系教职工群"


def test_admins_are_listed_one_per_line_with_email(cast, fmt):
    colleague = actions.do_create_person(
        None,
        number="T1003",
        name="陈静",
        kind="staff",
        unit=cast.composition,
        phone="13500135000",
        email="chenjing@example.edu.cn",
    )
    actions.do_update_group(None, cast.group_a, admins=[cast.teacher_a, colleague])
    admins = export(cast, fmt).column("QQ群1")["管理员及联系方式"]
    assert admins == "王建国 13800138000\n陈静 13500135000\nchenjing@example.edu.cn"


def test_more_than_three_groups_of_a_platform_extend_the_table(cast, fmt):
    for n in range(2, 6):
        add_group(cast, platform="qq", account=f"60010020{n}", name=f"作曲系{n}号群")
    form = export(cast, fmt)
    assert form.headings == [
        "微信群1",
        "微信群2",
        "微信群3",
        "QQ群1",
        "QQ群2",
        "QQ群3",
        "QQ群4",
        "QQ群5",
    ]
    assert len(form.blocks) == 2, "six group columns per page, the rest continue on the next"
    assert "（续表）" in form.texts
    assert [row[0] for row in form.blocks[1]] == FIELDS
    assert form.blocks[1][0][1:] == ["QQ群4", "QQ群5"]
    names = [form.column(f"QQ群{n}")["名称"] for n in range(1, 6)]
    assert names == ["作曲系教职工群", "作曲系2号群", "作曲系3号群", "作曲系4号群", "作曲系5号群"]


def test_a_page_of_empty_annex_columns_only_is_not_printed(cast, fmt):
    for n in range(1, 5):
        add_group(cast, platform="wechat", account=f"wx-zuoqu-{n}", name=f"作曲系微信{n}群")
    form = export(cast, fmt)
    assert form.headings == ["微信群1", "微信群2", "微信群3", "微信群4", "QQ群1", "QQ群2"]
    assert len(form.blocks) == 1, "QQ群3 alone, empty, would have filled a second page"
    assert "（续表）" not in form.texts


def test_no_group_is_dropped_however_many_there_are(cast, fmt):
    for n in range(20):
        add_group(cast, platform="wechat", account=f"wx-many-{n:02d}", name=f"作曲系微信{n:02d}群")
    form = export(cast, fmt)
    assert len(form.blocks) == 4  # 20 WeChat + 3 QQ columns, six per page
    assert {f"作曲系微信{n:02d}群" for n in range(20)} <= {c["名称"] for c in form.columns}
    assert form.headings[19] == "微信群20"


def test_sub_unit_groups_are_listed_under_their_class(cast, fmt):
    add_group(
        cast, platform="qq", account="700200300", name="作曲2023级1班班级群", unit=cast.composition_class
    )
    column = export(cast, fmt).column("QQ群2")
    assert column["群聊类别"] == "QQ群2\n（作曲2023级1班）"
    assert column["名称"] == "作曲2023级1班班级群"


def test_a_class_exports_only_its_own_groups(cast, fmt):
    add_group(
        cast, platform="qq", account="700200300", name="作曲2023级1班班级群", unit=cast.composition_class
    )
    form = export(cast, fmt, unit=cast.composition_class)
    assert [c["名称"] for c in form.columns if c["名称"]] == ["作曲2023级1班班级群"]
    assert form.column("QQ群1")["群聊类别"] == "QQ群1", "the unit's own group carries no sub-unit mark"


def test_dissolved_groups_are_not_listed(cast, fmt):
    gone = add_group(cast, platform="wechat", account="wx-gone", name="作曲系临时群")
    actions.do_dissolve_group(None, gone, on=dt.date(2025, 1, 10))
    assert "作曲系临时群" not in {c["名称"] for c in export(cast, fmt).columns}


def test_a_sibling_units_groups_are_not_listed(cast, fmt):
    assert "声乐系工作群" not in {c["名称"] for c in export(cast, fmt).columns}


def test_wecom_groups_follow_the_qq_columns(cast, fmt):
    add_group(cast, platform="wecom", account="wecom-zuoqu", name="作曲系企业微信群")
    form = export(cast, fmt)
    assert form.headings[6] == "企业微信群1"
    assert form.column("企业微信群1")["名称"] == "作曲系企业微信群"


def test_running_state_and_rules_read_yes_or_no(cast, fmt):
    actions.do_update_group(None, cast.group_a, running_normally=False)
    column = export(cast, fmt).column("QQ群1")
    assert column["是否正常运行"] == "否"
    assert column["是否建立管理办法"] == "否"


def test_a_group_without_owner_or_date_leaves_those_cells_blank(cast, fmt):
    add_group(cast, platform="wechat", account="wx-bare", name="作曲系新群", owner=None, admins=[])
    column = export(cast, fmt).column_named("作曲系新群")
    assert column["创建者及联系方式"] == ""
    assert column["管理员及联系方式"] == ""
    assert column["创建时间"] == ""


def test_note_and_signature_line_follow_the_table(cast, fmt):
    texts = export(cast, fmt).texts
    assert (
        texts[-2]
        == "注：在填报表格时，如本单位校内工作社交群组较多，可根据实际情况微调此表格，将信息填报准确。"
    )
    assert texts[-1].startswith("部门负责人（签字）：")
    assert "填报部门（盖章）：" in texts[-1]


def test_the_workbook_prints_on_a4_landscape_with_ruled_wrapped_cells(cast):
    _, content = do_export_filing(cast.supervisor, cast.composition, "xlsx", filing_date=FILING_DATE)
    ws = load_workbook(io.BytesIO(content)).active
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9  # A4
    table_cell = ws["E8"]  # QQ群1's 名称: below the annex mark, the title, four header lines and the headings
    assert table_cell.value == "作曲系教职工群"
    assert table_cell.alignment.wrap_text
    assert table_cell.border.left.style == "thin"
    assert ws.column_dimensions["A"].width >= 12
    assert ws.column_dimensions["E"].width >= 15


def test_the_document_prints_on_a4_landscape_with_a_ruled_table(cast):
    _, content = do_export_filing(cast.supervisor, cast.composition, "docx", filing_date=FILING_DATE)
    doc = Document(io.BytesIO(content))
    section = doc.sections[0]
    assert section.orientation == WD_ORIENT.LANDSCAPE
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (29.7, 21.0)
    [table] = doc.tables
    assert table.style.name == "Table Grid"
