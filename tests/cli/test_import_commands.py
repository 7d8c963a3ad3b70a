"""``qunguan import-roster`` / ``import-groups``: every bad row as FILE:LINE: field: reason, nothing written."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import pytest

from qunguan.auditlog.events import AuditEvent
from qunguan.auditlog.models import AuditLogEntry
from qunguan.registry.models import Group, Person

from .commands import qunguan, run_command

ROSTER_HEADER = ["工号/学号", "姓名", "类别", "单位/班级", "联系电话", "邮箱", "在校/在岗"]
GROUP_HEADER = [
    "平台",
    "群号/账号",
    "群名称",
    "所属单位",
    "成员范围",
    "主要功能或用途",
    "创建者工号",
    "管理员工号",
    "现有人数",
]
GOOD_ROSTER = [
    ROSTER_HEADER,
    ["T1002", "赵敏", "教职工", "作曲系", "13812345678", "zhaomin@example.edu.cn", "是"],
    ["2023010102", "钱多多", "学生", "作曲系/作曲2023级1班", "", "", "是"],
    ["T1001", "王建国", "教职工", "作曲系", "13800138000", "", ""],
]
BAD_ROSTER = [
    ROSTER_HEADER,
    ["T1002", "赵敏", "教职工", "作曲系", "13812345678", "", "是"],
    ["", "孙无号", "教职工", "作曲系", "", "", ""],
    ["T1003", "周不明", "教职工", "美术系", "", "", ""],
    ["T1004", "吴电话", "教职工", "作曲系", "12345", "", ""],
]


def write_csv(path: Path, rows: Sequence[Sequence[str]]) -> str:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return str(path)


def imports_logged(event: AuditEvent) -> list[AuditLogEntry]:
    return list(AuditLogEntry.objects.filter(event_type=event))


def test_import_roster_prints_created_updated_and_unchanged(cast, tmp_path):
    path = write_csv(tmp_path / "roster.csv", GOOD_ROSTER)

    result = run_command("import_roster", path)

    assert result.error is None
    assert result.out.strip() == f"{path}：已导入 3 行，新增 2 条，更新 0 条，1 条无变化。"
    assert Person.objects.get(number="T1002").unit == cast.composition
    (entry,) = imports_logged(AuditEvent.ROSTER_IMPORTED)
    assert (entry.actor_label, entry.summary) == ("system", "导入花名册 roster.csv：新增 2 人，更新 0 人")


def test_import_roster_with_a_bad_row_lists_every_bad_row_and_writes_nothing(cast, tmp_path):
    path = write_csv(tmp_path / "roster.csv", BAD_ROSTER)
    before = Person.objects.count()

    result = run_command("import_roster", path)

    assert result.err.splitlines() == [
        f"{path}:3: 工号/学号: 必填，不能为空",
        f"{path}:4: 单位/班级: 找不到单位“美术系”",
        f"{path}:5: 联系电话: 联系电话“12345”格式不正确，应为 11 位手机号或带区号的固定电话",
    ]
    assert result.error == f"{path}：3 行有错误（共 3 处），未导入任何数据。"
    assert Person.objects.count() == before
    assert imports_logged(AuditEvent.ROSTER_IMPORTED) == []


def test_import_roster_dry_run_validates_and_writes_nothing(cast, tmp_path):
    path = write_csv(tmp_path / "roster.csv", GOOD_ROSTER)
    log_size = AuditLogEntry.objects.count()

    result = run_command("import_roster", path, "--dry-run")

    assert result.out.splitlines() == [
        f"{path}：共 3 行，校验通过；将新增 2 条，更新 0 条，1 条无变化。",
        "试运行（--dry-run）：未写入任何数据。",
    ]
    assert not Person.objects.filter(number="T1002").exists()
    assert AuditLogEntry.objects.count() == log_size


def test_import_roster_as_a_unit_manager_is_held_to_their_units(cast, tmp_path):
    path = write_csv(tmp_path / "roster.csv", GOOD_ROSTER[:2])

    refused = run_command("import_roster", path, "--as", "shengyue")
    accepted = run_command("import_roster", path, "--as", "zuoqu")

    assert refused.err.splitlines() == [f"{path}:2: 单位/班级: 您无权管理单位“作曲系”"]
    assert refused.error is not None
    assert accepted.error is None
    (entry,) = imports_logged(AuditEvent.ROSTER_IMPORTED)
    assert entry.actor_label == "zuoqu"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--as", "nobody"], "没有用户名为 nobody 的账号。"),
        (["--dry-run"], "找不到文件：{missing}"),
    ],
)
def test_import_roster_refuses_an_unknown_actor_or_file(cast, tmp_path, args, message):
    missing = tmp_path / "missing.csv"
    path = str(missing) if "--as" not in args else write_csv(tmp_path / "roster.csv", GOOD_ROSTER)

    result = run_command("import_roster", path, *args)

    assert result.error == message.format(missing=missing)


def test_import_roster_reports_an_unreadable_file_as_a_whole(cast, tmp_path):
    path = tmp_path / "roster.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0 old excel")

    result = run_command("import_roster", str(path))

    assert result.err.splitlines() == [
        f"{path}: 不支持旧版 .xls 格式，请在 Excel 中另存为 .xlsx 或 CSV 后再导入。"
    ]
    assert result.error == f"{path}：文件有错误（共 1 处），未导入任何数据。"


def test_import_groups_registers_groups_through_the_actions(cast, tmp_path):
    rows = [
        GROUP_HEADER,
        ["QQ群", "700100200", "作曲系学生工作群", "作曲系", "作曲系学生", "通知", "T1001", "T1001", "40"],
    ]
    path = write_csv(tmp_path / "groups.csv", rows)

    result = run_command("import_groups", path)

    assert result.out.strip() == f"{path}：已导入 1 行，新增 1 条，更新 0 条，0 条无变化。"
    group = Group.objects.get(platform="qq", account="700100200")
    assert (group.unit, group.owner, list(group.admins.all())) == (
        cast.composition,
        cast.teacher_a,
        [cast.teacher_a],
    )
    assert imports_logged(AuditEvent.GROUP_REGISTERED)[-1].object_id == str(group.pk)
    assert len(imports_logged(AuditEvent.GROUPS_IMPORTED)) == 1


def test_import_groups_with_a_bad_row_writes_nothing(cast, tmp_path):
    rows = [
        GROUP_HEADER,
        ["QQ群", "700100200", "作曲系学生工作群", "作曲系", "作曲系学生", "通知", "T1001", "T1001", "40"],
        ["QQ群", "abc", "声乐系学生群", "声乐系", "", "", "T9999", "", ""],
    ]
    path = write_csv(tmp_path / "groups.csv", rows)
    before = Group.objects.count()

    result = run_command("import_groups", path)

    assert result.err.splitlines() == [
        f"{path}:3: 群号/账号: QQ群号应为 5 至 12 位数字，而不是“abc”",
        f"{path}:3: 创建者工号: 花名册中没有工号/学号“T9999”（或不在您的管理范围内）",
    ]
    assert result.error == f"{path}：1 行有错误（共 2 处），未导入任何数据。"
    assert Group.objects.count() == before


def test_qunguan_import_roster_exits_1_on_a_bad_file(data_dir, tmp_path):
    path = write_csv(tmp_path / "roster.csv", BAD_ROSTER)

    result = qunguan(data_dir, "import-roster", path)

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[0] == f"{path}:2: 单位/班级: 找不到单位“作曲系”"
    assert result.stderr.splitlines()[-1] == f"CommandError: {path}：4 行有错误（共 6 处），未导入任何数据。"
