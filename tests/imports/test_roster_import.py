"""Roster import (花名册): every bad row reported, nothing imported unless the whole file is clean."""

from __future__ import annotations

import io

import pytest
from import_files import ROSTER_HEADER

from qunguan.auditlog.events import AuditEvent
from qunguan.auditlog.models import AuditLogEntry
from qunguan.registry import actions
from qunguan.registry.imports import import_roster, parse_roster
from qunguan.registry.models import Person

GOOD_ROWS = [
    ROSTER_HEADER,
    ["T1002", "赵敏", "教职工", "作曲系", "13812345678", "zhaomin@example.edu.cn", "是"],
    ["2023010102", "钱多多", "学生", "作曲系/作曲2023级1班", "", "", "是"],
]


def test_clean_roster_imports_every_row_in_one_go(cast, csv_file):
    report = import_roster(cast.supervisor, csv_file(GOOD_ROWS), "roster.csv")

    assert report.errors == []
    assert (report.imported, report.created, report.updated) == (True, 2, 0)
    zhao = Person.objects.get(number="T1002")
    assert (zhao.name, zhao.kind, zhao.unit, zhao.phone) == ("赵敏", "staff", cast.composition, "13812345678")
    assert Person.objects.get(number="2023010102").unit == cast.composition_class
    entry = AuditLogEntry.objects.filter(event_type=AuditEvent.ROSTER_IMPORTED).get()
    assert entry.summary == "导入花名册 roster.csv：新增 2 人，更新 0 人"


def test_invalid_roster_imports_nothing_and_reports_every_bad_row(cast, csv_file):
    rows = [
        ROSTER_HEADER,
        ["T1002", "赵敏", "教职工", "作曲系", "13812345678", "", "是"],
        ["", "孙无号", "教职工", "作曲系", "", "", ""],
        ["T1003", "周不明", "教职工", "美术系", "", "", ""],
        ["T1002", "赵敏二", "教职工", "作曲系", "", "", ""],
        ["T1004", "吴电话", "教职工", "作曲系", "12345", "", ""],
        ["T1005", "郑邮箱", "教职工", "作曲系", "", "not-an-email", ""],
        ["T1006", "王类别", "校友", "作曲系", "", "", ""],
        ["T1007", "冯在岗", "教职工", "作曲系", "", "", "也许"],
    ]
    before = Person.objects.count()

    report = import_roster(cast.supervisor, csv_file(rows), "roster.csv")

    assert not report.imported
    assert Person.objects.count() == before
    assert report.error_lines() == [
        "roster.csv:3: 工号/学号: 必填，不能为空",
        "roster.csv:4: 单位/班级: 找不到单位“美术系”",
        "roster.csv:5: 工号/学号: 与第 2 行的工号/学号重复",
        "roster.csv:6: 联系电话: 联系电话“12345”格式不正确，应为 11 位手机号或带区号的固定电话",
        "roster.csv:7: 邮箱: 邮箱“not-an-email”格式不正确",
        "roster.csv:8: 类别: 类别应为“教职工”或“学生”，而不是“校友”",
        "roster.csv:9: 在校/在岗: 应填“是”或“否”，而不是“也许”",
    ]
    assert report.summary() == "roster.csv：7 行有错误（共 7 处），未导入任何数据。"
    assert not AuditLogEntry.objects.filter(event_type=AuditEvent.ROSTER_IMPORTED).exists()


def test_one_row_reports_all_of_its_problems(cast, csv_file):
    rows = [ROSTER_HEADER, ["", "", "学者", "无此单位", "abc", "x@", "是"]]

    report = parse_roster(csv_file(rows), "a.csv", cast.supervisor)

    assert [(e.field, e.code) for e in report.errors] == [
        ("工号/学号", "required"),
        ("姓名", "required"),
        ("类别", "invalid"),
        ("单位/班级", "unknown_unit"),
        ("联系电话", "invalid"),
        ("邮箱", "invalid"),
    ]
    assert report.preview[0].line == 2
    assert len(report.preview[0].errors) == 6


def test_manager_cannot_import_people_into_sibling_unit(cast, csv_file):
    rows = [ROSTER_HEADER, ["T1010", "越界者", "教职工", "声乐系", "", "", "是"]]

    report = import_roster(cast.manager_a, csv_file(rows), "roster.csv")

    assert report.error_lines() == ["roster.csv:2: 单位/班级: 您无权管理单位“声乐系”"]
    assert report.errors[0].code == "out_of_scope"
    assert not Person.objects.filter(number="T1010").exists()


def test_manager_cannot_take_over_a_sibling_units_person(cast, csv_file):
    rows = [ROSTER_HEADER, ["T2001", "李秀兰", "教职工", "作曲系", "", "", "是"]]

    report = import_roster(cast.manager_a, csv_file(rows), "roster.csv")

    assert report.error_lines() == [
        "roster.csv:2: 工号/学号: 工号/学号 T2001 已登记在您无权管理的单位，不能修改"
    ]
    cast.teacher_b.refresh_from_db()
    assert cast.teacher_b.unit == cast.vocal


def test_manager_imports_into_own_subtree(cast, csv_file):
    report = import_roster(cast.manager_a, csv_file(GOOD_ROWS), "roster.csv")

    assert report.ok
    assert report.created == 2


def test_reimport_updates_changed_people_and_keeps_blank_contacts(cast, csv_file):
    rows = [
        ROSTER_HEADER,
        ["T1001", "王建国", "教职工", "作曲系", "", "wang@example.edu.cn", "否"],
        ["2023010101", "张小明", "学生", "作曲2023级1班", "", "", ""],
    ]

    preview = parse_roster(csv_file(rows), "r.csv", cast.supervisor)
    assert [p.action for p in preview.preview] == ["更新", "无变化"]
    report = import_roster(cast.supervisor, csv_file(rows), "r.csv")

    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    cast.teacher_a.refresh_from_db()
    assert (cast.teacher_a.phone, cast.teacher_a.email, cast.teacher_a.active) == (
        "13800138000",
        "wang@example.edu.cn",
        False,
    )


def test_gb18030_csv_from_excel_on_windows_is_read(cast, csv_file):
    report = import_roster(cast.supervisor, csv_file(GOOD_ROWS, "gb18030"), "名单.csv")

    assert report.ok
    assert report.created == 2
    assert Person.objects.get(number="T1002").name == "赵敏"


def test_utf8_csv_with_bom_is_read(cast):
    data = "\ufeff" + "\n".join(",".join(r) for r in GOOD_ROWS)

    report = import_roster(cast.supervisor, io.BytesIO(data.encode("utf-8")), "roster.csv")

    assert report.ok
    assert report.created == 2


def test_xlsx_roster_with_numeric_cells_is_read(cast, xlsx_file):
    rows = [
        ["学号", "姓名", "类别", "班级", "手机", "邮箱", "在校"],
        [2023010103, "孙小美", "学生", "作曲2023级1班", 13911112222, None, True],
    ]

    report = import_roster(cast.supervisor, xlsx_file(rows), "roster.xlsx")

    assert report.error_lines() == []
    person = Person.objects.get(number="2023010103")
    assert (person.phone, person.unit, person.active) == ("13911112222", cast.composition_class, True)


def test_english_headers_are_understood(cast, csv_file):
    rows = [
        ["number", "name", "kind", "unit", "phone", "email", "active"],
        ["T1020", "Li Lei", "staff", "作曲系", "028-85430000", "lilei@example.edu.cn", "yes"],
    ]

    report = import_roster(cast.supervisor, csv_file(rows), "roster.csv")

    assert report.ok
    assert Person.objects.get(number="T1020").phone == "028-85430000"


def test_missing_required_column_is_reported_on_the_header_line(cast, csv_file):
    rows = [["工号/学号", "姓名", "单位/班级"], ["T1030", "某人", "作曲系"]]

    report = parse_roster(csv_file(rows), "roster.csv", cast.supervisor)

    assert report.error_lines() == ["roster.csv:1: 类别: 缺少必填列“类别”"]


def test_unknown_columns_are_ignored_with_a_warning(cast, csv_file):
    rows = [[*ROSTER_HEADER, "身份证号"], [*GOOD_ROWS[1], "510101199001011234"]]

    report = parse_roster(csv_file(rows), "roster.csv", cast.supervisor)

    assert report.ok
    assert report.warnings == ["已忽略无法识别的列“身份证号”。"]


def test_ambiguous_unit_name_asks_for_a_path(cast, csv_file):
    actions.do_create_unit(None, name="作曲2023级1班", kind="class", parent=cast.vocal)
    rows = [ROSTER_HEADER, ["2023010109", "重名班", "学生", "作曲2023级1班", "", "", ""]]

    report = parse_roster(csv_file(rows), "roster.csv", cast.supervisor)

    assert report.error_lines() == [
        "roster.csv:2: 单位/班级: 单位“作曲2023级1班”有重名，请连同上级单位一起写，例如“作曲系/作曲2023级1班”"
    ]
    # the manager of 作曲系 can manage only one of the two classes: that one is meant
    assert parse_roster(csv_file(rows), "roster.csv", cast.manager_a).ok


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("roster.csv", b"", "roster.csv: 文件是空的。"),
        (
            "roster.xls",
            b"\xd0\xcf\x11\xe0",
            "roster.xls: 不支持旧版 .xls 格式，请在 Excel 中另存为 .xlsx 或 CSV 后再导入。",
        ),
        ("roster.csv", "工号/学号,姓名,类别,单位/班级\n".encode(), "roster.csv: 文件中没有数据行。"),
        ("roster.xlsx", b"PK\x03\x04broken", None),
    ],
)
def test_unreadable_files_are_one_clear_error(cast, filename, content, message):
    report = parse_roster(io.BytesIO(content), filename, cast.supervisor)

    assert len(report.errors) == 1
    if message is not None:
        assert report.error_lines() == [message]
    else:
        assert report.error_lines()[0].startswith("roster.xlsx: 无法打开 Excel 文件")
