"""``qunguan export-filing``: writes the form to a file, or fails with one Chinese line."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command, execute_from_command_line
from django.db import connections
from filing_files import read_form

from qunguan.auditlog.events import AuditEvent
from qunguan.auditlog.models import AuditLogEntry
from qunguan.registry import actions


def test_writes_the_form_to_the_given_file(cast, tmp_path, capsys):
    out = tmp_path / "备案.docx"
    call_command(
        "export_filing", "--unit", "作曲系", "--format", "docx", "--date", "2025-03-05", "--output", str(out)
    )
    form = read_form("docx", out.read_bytes())
    assert "填报部门（签字、盖章）：作曲系" in form.texts
    assert "填报日期：2025年3月5日" in form.texts
    assert form.column("QQ群1")["名称"] == "作曲系教职工群"
    assert form.column("QQ群1")["创建者及联系方式"] == "王建国 13800138000"  # the system sees contacts
    assert capsys.readouterr().out.strip() == f"已导出“作曲系”的备案登记表：{out}"
    entry = AuditLogEntry.objects.get(event_type=AuditEvent.FILING_EXPORTED)
    assert entry.actor_label == "system"


def test_default_output_is_the_filename_in_the_current_folder(cast, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    call_command("export_filing", "--unit", str(cast.vocal.pk), "--date", "2025-03-05")
    written = Path(tmp_path / "声乐系-备案登记表-2025-03-05.xlsx")
    assert read_form("xlsx", written.read_bytes()).column("微信群1")["名称"] == "声乐系工作群"


def test_runs_as_a_user_with_that_users_scope(cast, tmp_path):
    out = tmp_path / "f.xlsx"
    call_command("export_filing", "--unit", "作曲系", "--as", "zuoqu", "--output", str(out))
    assert AuditLogEntry.objects.get(event_type=AuditEvent.FILING_EXPORTED).actor_label == "zuoqu"
    with pytest.raises(CommandError) as exc:
        call_command("export_filing", "--unit", "作曲系", "--as", "shengyue", "--output", str(out))
    assert str(exc.value) == "您无权管理单位“作曲系”的数据。"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--unit", "不存在系"], "没有找到单位“不存在系”，请填写单位 id 或完整名称。"),
        (["--unit", "99999"], "没有找到单位“99999”，请填写单位 id 或完整名称。"),
        ([], "请用 --unit 指定单位（单位 id 或完整名称）。"),
        (["--unit", "作曲系", "--format", "odt"], "不支持的导出格式“odt”，请选择 xlsx、docx、pdf。"),
        (
            ["--unit", "作曲系", "--date", "2025-3-5x"],
            "填报日期“2025-3-5x”格式不对，应为 YYYY-MM-DD，例如 2025-03-05。",
        ),
        (["--unit", "作曲系", "--as", "nobody"], "没有用户名为 nobody 的账号。"),
        (
            ["--unit", "作曲系", "--output", "/nonexistent-dir/f.xlsx"],
            "目录 /nonexistent-dir 不存在，无法写入 /nonexistent-dir/f.xlsx。",
        ),
    ],
)
def test_mistakes_are_one_chinese_sentence(cast, args, message):
    with pytest.raises(CommandError) as exc:
        call_command("export_filing", *args)
    assert str(exc.value) == message
    assert not AuditLogEntry.objects.filter(event_type=AuditEvent.FILING_EXPORTED).exists()


def test_an_ambiguous_name_asks_for_the_id(cast):
    first = actions.do_create_unit(None, name="办公室", kind="office", parent=cast.composition)
    second = actions.do_create_unit(None, name="办公室", kind="office", parent=cast.vocal)
    with pytest.raises(CommandError) as exc:
        call_command("export_filing", "--unit", "办公室")
    assert str(exc.value) == f"有 2 个名为“办公室”的单位，请改用单位 id：{first.pk}、{second.pk}。"


def test_unknown_unit_on_the_command_line_is_one_line_on_stderr_and_exit_1(cast, capsys, monkeypatch):
    # run_from_argv closes every connection when done; the test's own transaction must survive
    monkeypatch.setattr(connections, "close_all", lambda: None)
    with pytest.raises(SystemExit) as exc:
        execute_from_command_line(["qunguan", "export_filing", "--unit", "不存在系"])
    assert exc.value.code == 1
    captured = capsys.readouterr()
    assert captured.err.strip().splitlines() == [
        "CommandError: 没有找到单位“不存在系”，请填写单位 id 或完整名称。"
    ]
    assert captured.out == ""
