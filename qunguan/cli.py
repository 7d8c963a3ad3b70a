"""The ``qunguan`` console script.

``qunguan scan`` and ``qunguan redact`` run the audit library alone (no Django, no database);
every other command is a Django management command of the project, so the same code serves
``qunguan migrate`` and ``python -m django migrate``.
"""

from __future__ import annotations

import os
import sys

COMMANDS = {
    "serve": "启动网页服务（默认 http://127.0.0.1:8000）",
    "migrate": "创建或升级数据库结构",
    "demo": "载入演示数据（虚构的音乐学院）",
    "import-roster": "从 CSV/XLSX 导入花名册",
    "import-groups": "从 CSV/XLSX 导入群组登记",
    "check": "按管理办法检查群组登记（--json 输出机器可读结果）",
    "export-filing": "导出单位的备案登记表（xlsx/docx）",
    "verify-log": "校验审计日志哈希链是否被篡改",
    "createsuperuser": "创建党委宣传部管理员账号",
    "scan": "审查文本文件中的违规信息（无需数据库）",
    "redact": "对文本中的个人信息等进行遮盖（无需数据库）",
}
AUDIT_ONLY = {"scan", "redact"}


def _usage() -> str:
    lines = ["用法: qunguan <命令> [参数]   （每个命令都支持 --help）", "", "命令:"]
    lines += [f"  {name:<16}{text}" for name, text in COMMANDS.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run one qunguan command and return its exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help", "help"}:
        print(_usage())
        return 0 if args else 2
    command, rest = args[0], args[1:]
    if command in AUDIT_ONLY:
        from qunguan.audit import cli as audit_cli

        entry = audit_cli.scan_main if command == "scan" else audit_cli.redact_main
        return entry(rest)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qunguan.settings")
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(["qunguan", command.replace("-", "_"), *rest])
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
