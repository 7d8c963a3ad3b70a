"""``qunguan import-members`` and ``qunguan export-removals``."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from qunguan.auditlog.events import AuditEvent
from qunguan.auditlog.models import AuditLogEntry
from qunguan.cli import COMMANDS
from qunguan.members.models import MemberSnapshot
from tests.cli.commands import run_command

from .helpers import COMPOSITION_MEMBERS, ONEBOT_SAMPLE, write_members


def test_both_commands_are_listed_in_the_qunguan_help():
    assert {"import-members", "export-removals"} <= set(COMMANDS)


def test_import_members_prints_the_real_name_summary(cast, tmp_path):
    path = write_members(tmp_path / "members.csv", COMPOSITION_MEMBERS)

    result = run_command("import_members", str(path), "--group", "600100200", "--as", "zuoqu")

    assert result.error is None
    assert result.out.strip() == (
        "members.csv：已导入 4 名成员；实名核验通过 2 人，无法确定（重名） 0 人，查无此人 1 人，"
        "不在成员范围 1 人；现有人数由 45 改为 4。"
    )
    cast.group_a.refresh_from_db()
    assert cast.group_a.member_count == 4


def test_import_members_lists_every_bad_line_and_writes_nothing(cast, tmp_path):
    path = write_members(tmp_path / "members.csv", [*COMPOSITION_MEMBERS, ["无号", "", "", "", ""]])

    result = run_command("import_members", str(path), "--group", "600100200")

    assert result.err.splitlines() == [f"{path}:6: QQ号或微信号: 必填，不能为空"]
    assert result.error == f"{path}：1 处错误，未导入任何数据。"
    assert MemberSnapshot.objects.count() == 0


def test_import_members_as_another_units_manager_does_not_find_the_group(cast, tmp_path):
    path = write_members(tmp_path / "members.csv", COMPOSITION_MEMBERS)

    result = run_command("import_members", str(path), "--group", "600100200", "--as", "shengyue")

    assert result.error == "没有群号/账号为 600100200 的已登记群组（或不在您的管理范围内）。"
    assert MemberSnapshot.objects.count() == 0


def test_import_members_as_the_group_admin_is_refused(cast, tmp_path):
    path = write_members(tmp_path / "members.csv", COMPOSITION_MEMBERS)

    result = run_command("import_members", str(path), "--group", "600100200", "--as", "qunzhu")

    assert result.error == "您无权管理单位“作曲系”的数据。"


def test_import_members_dry_run_writes_nothing(cast, tmp_path):
    path = write_members(tmp_path / "members.csv", COMPOSITION_MEMBERS)

    result = run_command("import_members", str(path), "--group", "600100200", "--dry-run")

    assert result.out.splitlines()[-1] == "试运行（--dry-run）：未写入任何数据。"
    assert MemberSnapshot.objects.count() == 0
    assert not AuditLogEntry.objects.filter(event_type=AuditEvent.MEMBERS_IMPORTED).exists()


def test_import_members_of_a_missing_file_is_one_chinese_error(cast, tmp_path):
    result = run_command("import_members", str(tmp_path / "nope.json"), "--group", "600100200")

    assert result.error == f"找不到文件：{tmp_path / 'nope.json'}"


def test_import_members_refuses_another_groups_list(cast):
    result = run_command("import_members", str(ONEBOT_SAMPLE), "--group", "600100200", "--format", "onebot")

    assert result.error.endswith("文件是群 800100200 的成员名单，与“作曲系教职工群”的群号 600100200 不符。")


def test_export_removals_writes_the_members_to_remove_with_their_reason(cast, tmp_path):
    run_command(
        "import_members", str(write_members(tmp_path / "m.csv", COMPOSITION_MEMBERS)), "--group", "600100200"
    )

    result = run_command("export_removals", "--group", "600100200")

    rows = list(csv.reader(io.StringIO(result.out)))
    assert rows == [
        ["群名片", "昵称", "QQ号/微信号", "角色", "入群时间", "核验结果", "原因", "花名册人员"],
        ["路人甲", "甲", "10001004", "成员", "", "查无此人", "花名册中查无“路人甲”", ""],
        [
            "李秀兰",
            "李老师",
            "10001003",
            "成员",
            "",
            "不在成员范围",
            "花名册中的“李秀兰”属于“声乐系”，不在本群成员范围内",
            "李秀兰（T2001，声乐系）",
        ],
    ]
    assert AuditLogEntry.objects.filter(event_type=AuditEvent.REMOVAL_LIST_EXPORTED).count() == 1


def test_export_removals_as_the_group_admin_masks_ids_and_numbers(cast, tmp_path):
    run_command(
        "import_members", str(write_members(tmp_path / "m.csv", COMPOSITION_MEMBERS)), "--group", "600100200"
    )
    output = tmp_path / "removals.xlsx"

    result = run_command("export_removals", "--group", "600100200", "--as", "qunzhu", "--output", str(output))

    assert result.error is None
    sheet = load_workbook(output).active
    assert sheet is not None
    values = [[c or "" for c in row] for row in sheet.iter_rows(values_only=True)]
    assert values[1][2] == "100***04"
    assert values[2][7] == "李秀兰（***01，声乐系）"


def test_export_removals_without_a_member_list_says_so(cast):
    result = run_command("export_removals", "--group", "600100200")

    assert result.error == "群组“作曲系教职工群”还没有导入成员名单。"
