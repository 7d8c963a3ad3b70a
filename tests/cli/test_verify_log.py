"""``qunguan verify-log``: an intact chain passes; an edited or deleted entry is named by its number.

Tampering is done with raw SQL on purpose: the model refuses to change or delete an entry,
and an attacker with database access is exactly who the hash chain is for.
"""

from __future__ import annotations

from django.db import connection

from qunguan.auditlog.models import AuditLogEntry

from .commands import qunguan, run_command

TABLE = connection.ops.quote_name(AuditLogEntry._meta.db_table)


def tamper(sql: str, *params: object) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql.format(table=TABLE), params)


def test_intact_log_passes_with_its_entry_count(cast):
    result = run_command("verify_log")

    assert result.error is None
    assert result.out.strip() == f"审计日志完整：{AuditLogEntry.objects.count()} 条记录，哈希链校验通过"


def test_an_entry_edited_in_the_database_is_named(cast):
    tamper("UPDATE {table} SET summary = %s WHERE seq = %s", "新建单位“无关单位”", 3)

    result = run_command("verify_log")

    assert result.err.splitlines() == ["第 3 条：记录内容与其哈希值不符：该记录被修改"]
    assert result.error == "审计日志校验失败：发现 1 处问题，日志可能已被篡改。"


def test_a_deleted_entry_is_named_and_breaks_the_next_link(cast):
    tamper("DELETE FROM {table} WHERE seq = %s", 5)

    result = run_command("verify_log")

    assert result.err.splitlines() == [
        "第 5 条：记录缺失，已被删除",
        "第 6 条：与上一条记录的哈希链接不符：之前的记录被修改或删除",
    ]
    assert result.error == "审计日志校验失败：发现 2 处问题，日志可能已被篡改。"


def test_deleting_the_newest_entries_is_noticed(cast):
    last = AuditLogEntry.objects.order_by("-seq").values_list("seq", flat=True)[0]
    tamper("DELETE FROM {table} WHERE seq >= %s", last - 1)

    result = run_command("verify_log")

    assert result.err.splitlines() == [
        f"第 {last} 条：最新的记录被删除：链头记到第 {last} 条，日志只到第 {last - 2} 条"
    ]
    assert result.error is not None


def test_qunguan_verify_log_exit_status(demo_data_dir):
    intact = qunguan(demo_data_dir, "verify-log")
    tampered = qunguan(
        demo_data_dir,
        "shell",
        "-c",
        "from django.db import connection\n"
        "connection.cursor().execute('UPDATE auditlog_auditlogentry SET summary = %s WHERE seq = 7', ['x'])",
    )
    broken = qunguan(demo_data_dir, "verify-log")

    assert intact.returncode == 0
    assert intact.stdout.startswith("审计日志完整：")
    assert tampered.returncode == 0, tampered.stderr
    assert broken.returncode == 1
    assert broken.stderr.splitlines() == [
        "第 7 条：记录内容与其哈希值不符：该记录被修改",
        "CommandError: 审计日志校验失败：发现 1 处问题，日志可能已被篡改。",
    ]
