"""The ``qunguan`` console script.

``qunguan scan`` and ``qunguan redact`` run the audit library alone (no Django, no database);
every other command is a Django management command of the project, so the same code serves
``qunguan migrate`` and ``python -m django migrate``.
"""

from __future__ import annotations

import contextlib
import difflib
import os
import sys
from collections.abc import Iterable

COMMANDS = {
    "serve": "启动网页服务（默认 http://127.0.0.1:8000）",
    "migrate": "创建或升级数据库结构",
    "demo": "载入演示数据（虚构的音乐学院）",
    "import": "导入聊天记录（QQ、微信、企业微信的导出文件和 OneBot 日志，自动识别格式）",
    "gateway": "运行 QQ 机器人网关（OneBot v11），实时审查、撤回、提醒、禁言并核验加群申请",
    "sanction": "全校联动处置：在机器人管理的所有QQ群中禁言或移出一个QQ号（须写明理由）",
    "import-roster": "从 CSV/XLSX 导入花名册",
    "import-groups": "从 CSV/XLSX 导入群组登记",
    "import-members": "导入群成员名单（OneBot、企业微信、chatlog 或 CSV/XLSX），实名核验并更新现有人数",
    "export-removals": "导出群组中未通过实名核验、需核实或移除的成员名单（csv/xlsx）",
    "check": "按管理办法检查群组登记（--json 输出机器可读结果；--deploy 检查部署配置）",
    "export-filing": "导出单位的备案登记表（xlsx/docx/pdf）",
    "scheduler": "持续运行定时任务（填报提醒、登记检查汇总、通知摘要、临时群提醒）",
    "tick": "运行到期的定时任务一次（供 cron 调用）",
    "verify-log": "校验审计日志哈希链是否被篡改",
    "search-index": "把新导入的聊天消息加入消息检索索引（SQLite，可重复运行）",
    "backup": "备份数据库与上传文件（一个 .tar.gz 文件）",
    "restore": "从备份文件恢复数据库与上传文件（--check 只校验）",
    "upgrade": "升级数据库结构（执行尚未执行的迁移，可重复运行）",
    "createsuperuser": "创建党委宣传部管理员账号",
    "api-token": "管理接口令牌（create 创建、list 列出、revoke 吊销）",
    "send-digests": "发送每日通知汇总并重试到期的通知（可重复运行；--force 不等到汇总时刻）",
    "scan": "审查文本文件中的违规信息（无需数据库）",
    "redact": "对文本中的个人信息等进行遮盖（无需数据库）",
}
AUDIT_ONLY = {"scan", "redact"}
# Commands whose management-command module cannot carry the command's own name.
ALIASES = {"import": "import_chats"}  # `import` is a Python keyword


def _usage() -> str:
    lines = ["用法: qunguan <命令> [参数]   （每个命令都支持 --help）", "", "命令:"]
    lines += [f"  {name:<16}{text}" for name, text in COMMANDS.items()]
    lines += ["", "Django 的其他管理命令（如 changepassword、shell、dbshell）同样可用。"]
    return "\n".join(lines)


def _unknown(command: str, known: Iterable[str]) -> str:
    """Return the Chinese error for an unknown command, with the closest listed command if any."""
    names = [*COMMANDS, *(k.replace("_", "-") for k in known)]
    close = difflib.get_close_matches(command, names, n=1)
    hint = f"您是否要运行 qunguan {close[0]}？" if close else ""
    return f"未知命令“{command}”。{hint}运行 qunguan --help 查看所有命令。"


def main(argv: list[str] | None = None) -> int:
    """Run one qunguan command and return its exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) > 1 and args[0] == "help":
        args = [args[1], "--help"]
    if not args or args[0] in {"-h", "--help", "help"}:
        print(_usage())
        return 0 if args else 2
    command, rest = args[0], args[1:]
    if command in AUDIT_ONLY:
        from qunguan.audit import cli as audit_cli

        entry = audit_cli.scan_main if command == "scan" else audit_cli.redact_main
        return entry(rest)
    return _django_command(command, rest)


def _django_command(command: str, rest: list[str]) -> int:
    """Run a project (or Django) management command; return 2 for a command that does not exist."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qunguan.settings")
    import django
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line, get_commands
    from django.core.management.base import CommandError, CommandParser, handle_default_options

    # --settings and --pythonpath choose the settings, so they apply before setup, as in
    # Django's own ManagementUtility.
    parser = CommandParser(add_help=False, allow_abbrev=False)
    parser.add_argument("--settings")
    parser.add_argument("--pythonpath")
    with contextlib.suppress(CommandError):  # the command's own parser reports bad options
        handle_default_options(parser.parse_known_args(rest)[0])
    name = ALIASES.get(command, command.replace("-", "_"))
    try:
        # Set up first: get_commands() lists the project's commands only once settings are loaded.
        django.setup()
    except (ImproperlyConfigured, ImportError) as exc:
        # a bad environment variable or --settings module: one line, not a traceback
        print(f"配置有误：{exc}", file=sys.stderr)
        return 1
    known = get_commands()
    if name not in known:
        print(_unknown(command, known), file=sys.stderr)
        return 2
    try:
        execute_from_command_line(["qunguan", name, *rest])
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (``qunguan check | head``). Point stdout at devnull so that the
        # interpreter's final flush does not raise a second time, as the Python docs advise.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
