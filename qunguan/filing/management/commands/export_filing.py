"""``qunguan export-filing``: write one unit's filing form (备案登记表) to a file.

Without ``--as`` the command runs as the system (``actor=None``), which every action treats as
having the supervisor's powers: whoever runs it already holds the server and its database.
With ``--as USERNAME`` it is that account's export, scope and masking included. Either way
the export is written to the audit log.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qunguan.accounts.models import User
from qunguan.filing.actions import WRITERS, do_export_filing
from qunguan.ops.private_files import write_private
from qunguan.registry.errors import RegistryError
from qunguan.registry.models import Unit

FORMATS = "、".join(WRITERS)


class Command(BaseCommand):
    help = "导出单位的备案登记表（管理办法附件），xlsx、docx 或 pdf 格式，可直接打印、签字、盖章。"

    def add_arguments(self, parser: CommandParser) -> None:
        # --unit and --format are checked in handle(), not by argparse, so that a mistake is
        # reported in one Chinese sentence rather than in argparse's English usage message.
        parser.add_argument("--unit", help="单位 id 或完整名称，例如 作曲系（必填）")
        parser.add_argument(
            "--format", dest="fmt", default="xlsx", metavar="xlsx|docx|pdf", help="文件格式（默认 xlsx）"
        )
        parser.add_argument("--date", dest="filing_date", metavar="YYYY-MM-DD", help="填报日期（默认今天）")
        parser.add_argument(
            "--output", metavar="FILE", help="输出文件（默认：当前目录下的“单位-备案登记表-日期.xlsx”）"
        )
        parser.add_argument(
            "--as",
            dest="as_user",
            metavar="USERNAME",
            help="以该账号的身份和权限导出（默认：系统，拥有党委宣传部的全部权限）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        fmt = str(options["fmt"]).strip().lower()
        if fmt not in WRITERS:
            raise CommandError(f"不支持的导出格式“{options['fmt']}”，请选择 {FORMATS}。")
        unit = self._unit(options["unit"])
        filing_date = self._date(options["filing_date"])
        actor = self._actor(options["as_user"])
        output = Path(options["output"]) if options["output"] else None
        if output is not None and not output.parent.is_dir():
            raise CommandError(f"目录 {output.parent} 不存在，无法写入 {output}。")
        try:
            filename, content = do_export_filing(actor, unit, fmt, filing_date=filing_date)
        except RegistryError as exc:
            raise CommandError(exc.message) from None
        path = output or Path(filename)
        try:
            write_private(path, content)  # the form carries contacts: mode 600
        except OSError as exc:
            raise CommandError(f"无法写入 {path}：{exc.strerror or exc}。") from None
        self.stdout.write(f"已导出“{unit.name}”的备案登记表：{path}")

    def _unit(self, value: str | None) -> Unit:
        """Return the unit named by id or exact name; raise CommandError if none or ambiguous."""
        key = (value or "").strip()
        if not key:
            raise CommandError("请用 --unit 指定单位（单位 id 或完整名称）。")
        if key.isdigit():
            unit = Unit.objects.filter(pk=int(key)).first()
            if unit is not None:
                return unit
        matches = list(Unit.objects.filter(name=key).order_by("path"))
        if not matches:
            raise CommandError(f"没有找到单位“{key}”，请填写单位 id 或完整名称。")
        if len(matches) > 1:
            ids = "、".join(str(u.pk) for u in matches)
            raise CommandError(f"有 {len(matches)} 个名为“{key}”的单位，请改用单位 id：{ids}。")
        return matches[0]

    def _date(self, value: str | None) -> dt.date | None:
        if not value:
            return None
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise CommandError(f"填报日期“{value}”格式不对，应为 YYYY-MM-DD，例如 2025-03-05。") from None

    def _actor(self, username: str | None) -> User | None:
        if not username:
            return None
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"没有用户名为 {username} 的账号。")
        if not user.is_active:
            raise CommandError(f"账号 {username} 已停用，不能导出。")
        return user
