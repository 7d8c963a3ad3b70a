"""Group-registry import (群组登记): new groups registered, known ones updated, bad rows all reported."""

from __future__ import annotations

import datetime as dt

from import_files import GROUP_HEADER

from qunguan.auditlog.events import AuditEvent
from qunguan.auditlog.models import AuditLogEntry
from qunguan.registry.imports import import_groups, parse_groups
from qunguan.registry.models import Group


def row(**cells: object) -> list[object]:
    base: dict[str, object] = {
        "平台": "QQ群",
        "群号/账号": "700100200",
        "群名称": "作曲2023级1班班级群",
        "所属单位": "作曲系/作曲2023级1班",
        "官方群": "否",
        "成员范围": "作曲2023级1班全体学生",
        "主要功能或用途": "班级通知",
        "创建者工号": "T1001",
        "管理员工号": "T1001、2023010101",
        "创建时间": "2023/9/1",
        "现有人数": "33",
        "状态": "长期",
        "结束日期": "",
        "是否正常运行": "是",
        "备注": "",
    }
    base.update(cells)
    return [base[h] for h in GROUP_HEADER]


def test_clean_group_file_registers_groups_with_owner_and_admins(cast, csv_file):
    rows = [
        GROUP_HEADER,
        row(),
        row(
            **{
                "平台": "微信群",
                "群号/账号": "wx-zq-2024",
                "群名称": "作曲系迎新临时群",
                "所属单位": "作曲系",
                "状态": "临时",
                "结束日期": "2024年10月1日",
                "管理员工号": "T1001",
                "创建时间": "2024-08-20",
            }
        ),
    ]

    report = import_groups(cast.supervisor, csv_file(rows), "groups.csv")

    assert report.error_lines() == []
    assert (report.created, report.updated) == (2, 0)
    group = Group.objects.get(platform="qq", account="700100200")
    assert group.unit == cast.composition_class
    assert group.owner == cast.teacher_a
    assert set(group.admins.all()) == {cast.teacher_a, cast.student_a}
    assert (group.created_on, group.member_count) == (dt.date(2023, 9, 1), 33)
    temporary = Group.objects.get(platform="wechat", account="wx-zq-2024")
    assert (temporary.status, temporary.end_date) == ("temporary", dt.date(2024, 10, 1))
    entry = AuditLogEntry.objects.filter(event_type=AuditEvent.GROUPS_IMPORTED).get()
    assert entry.summary == "导入群组登记 groups.csv：新增 2 个，更新 0 个"
    assert AuditLogEntry.objects.filter(
        event_type=AuditEvent.GROUP_REGISTERED, object_id=str(group.pk)
    ).exists()


def test_invalid_group_file_imports_nothing_and_reports_every_bad_row(cast, csv_file):
    rows = [
        GROUP_HEADER,
        row(),
        row(**{"平台": "钉钉群", "群号/账号": "700100201"}),
        row(**{"群号/账号": "700100200"}),
        row(**{"群号/账号": "700100203", "创建者工号": "T9999"}),
        row(**{"群号/账号": "700100204", "创建时间": "去年九月"}),
        row(**{"群号/账号": "700100205", "状态": "临时"}),
        row(**{"群号/账号": "700100206", "现有人数": "很多"}),
        row(**{"群号/账号": "abc"}),
        row(**{"群号/账号": "700100208", "群名称": ""}),
    ]

    report = import_groups(cast.supervisor, csv_file(rows), "groups.csv")

    assert report.error_lines() == [
        "groups.csv:3: 平台: 平台应为“QQ群”“微信群”或“企业微信群”，而不是“钉钉群”",
        "groups.csv:4: 群号/账号: 与第 2 行的群号重复",
        "groups.csv:5: 创建者工号: 花名册中没有工号/学号“T9999”（或不在您的管理范围内）",
        "groups.csv:6: 创建时间: 无法识别的日期“去年九月”，请写成 2024-03-01 或 2024年3月1日",
        "groups.csv:7: 结束日期: 临时群必须填写结束日期",
        "groups.csv:8: 现有人数: 人数应为非负整数，而不是“很多”",
        "groups.csv:9: 群号/账号: QQ群号应为 5 至 12 位数字，而不是“abc”",
        "groups.csv:10: 群名称: 必填，不能为空",
    ]
    assert not report.imported
    assert not Group.objects.filter(account__startswith="7001002").exists()


def test_manager_cannot_register_groups_in_sibling_unit(cast, csv_file):
    rows = [GROUP_HEADER, row(**{"所属单位": "声乐系", "管理员工号": "", "创建者工号": ""})]

    report = import_groups(cast.manager_a, csv_file(rows), "groups.csv")

    assert report.error_lines() == ["groups.csv:2: 所属单位: 您无权管理单位“声乐系”"]


def test_manager_cannot_overwrite_a_sibling_units_group(cast, csv_file):
    rows = [GROUP_HEADER, row(**{"平台": "微信群", "群号/账号": "wx-shengyue-001", "所属单位": "作曲系"})]

    report = import_groups(cast.manager_a, csv_file(rows), "groups.csv")

    assert report.error_lines() == ["groups.csv:2: 群号/账号: 该群已由其他单位登记，您无权修改"]
    cast.group_b.refresh_from_db()
    assert cast.group_b.unit == cast.vocal


def test_manager_cannot_name_people_outside_scope_as_admins(cast, csv_file):
    rows = [GROUP_HEADER, row(**{"管理员工号": "T1001, T2001"})]

    report = parse_groups(csv_file(rows), "groups.csv", cast.manager_a)

    assert report.error_lines() == [
        "groups.csv:2: 管理员工号: 花名册中没有工号/学号“T2001”（或不在您的管理范围内）"
    ]


def test_reimport_updates_known_group_and_keeps_blank_cells(cast, csv_file):
    header = ["平台", "群号/账号", "群名称", "现有人数", "是否正常运行", "成员范围"]
    rows = [header, ["QQ", "600100200", "作曲系教职工群", "52", "否", ""]]

    report = import_groups(cast.manager_a, csv_file(rows), "g.csv")

    assert (report.created, report.updated) == (0, 1)
    cast.group_a.refresh_from_db()
    assert (cast.group_a.member_count, cast.group_a.running_normally) == (52, False)
    assert cast.group_a.member_scope == "作曲系全体教职工"
    assert cast.group_a.unit == cast.composition


def test_xlsx_group_file_with_date_cells(cast, xlsx_file):
    rows = [GROUP_HEADER, row(**{"创建时间": dt.date(2021, 3, 5), "现有人数": 40, "官方群": False})]

    report = import_groups(cast.supervisor, xlsx_file(rows), "groups.xlsx")

    assert report.error_lines() == []
    assert Group.objects.get(account="700100200").created_on == dt.date(2021, 3, 5)


def test_dissolved_rows_record_the_dissolution_date(cast, csv_file):
    rows = [GROUP_HEADER, row(**{"状态": "已解散", "结束日期": "2024.6.30"})]

    import_groups(cast.supervisor, csv_file(rows), "groups.csv")

    group = Group.objects.get(account="700100200")
    assert (group.status, group.dissolved_on, group.running_normally) == (
        "dissolved",
        dt.date(2024, 6, 30),
        False,
    )


def test_preview_lists_every_row_with_its_action_and_errors(cast, csv_file):
    rows = [
        GROUP_HEADER,
        row(),
        row(**{"群号/账号": "600100200", "群名称": "作曲系教职工群", "所属单位": "作曲系"}),
        row(**{"群号/账号": "1"}),
    ]

    report = parse_groups(csv_file(rows), "groups.csv", cast.supervisor)

    assert [(p.line, p.action, len(p.errors)) for p in report.preview] == [
        (2, "新增", 0),
        (3, "更新", 0),
        (4, "", 1),
    ]
    assert report.preview[0].values["群名称"] == "作曲2023级1班班级群"
    assert not Group.objects.filter(account="700100200").exists()
