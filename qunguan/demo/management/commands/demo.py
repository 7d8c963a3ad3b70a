"""``qunguan demo``: load the demo school (蓉城音乐学院) and print the demo logins."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from qunguan.accounts.models import User
from qunguan.demo.build import LOGINS, PASSWORD, SCHOOL, build
from qunguan.demo.campaign import open_demo_campaign
from qunguan.demo.chats import import_demo_chats
from qunguan.demo.members import import_demo_members
from qunguan.registry.models import Unit


class Command(BaseCommand):
    help = "载入演示数据：虚构的“蓉城音乐学院”（约20个单位、数百名人员、约60个群组及各类违规示例），并打印演示账号。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="数据库中已有单位时什么也不做（make run 每次都这样调用），只打印演示账号",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if Unit.objects.exists():
            if not options["if_empty"]:
                raise CommandError(
                    "数据库中已有单位，演示数据只能载入空数据库。"
                    "如需重建，请删除数据目录（QUNGUAN_DATA_DIR，默认 ./var）后重新运行 qunguan migrate 和 qunguan demo。"
                )
            self.stdout.write("数据库中已有数据，跳过载入演示数据。")
        else:
            started = time.monotonic()
            built = build()
            chats = import_demo_chats(built.groups.values(), timezone.localdate())
            import_demo_members(built.groups.values(), timezone.localdate())
            campaign = open_demo_campaign()
            messages = sum(s.batch.stored for s in chats)
            findings = sum(s.batch.findings for s in chats)
            self.stdout.write(
                self.style.SUCCESS(
                    f"已载入演示数据“{SCHOOL}”：{len(built.units)} 个单位、{len(built.people)} 名人员、"
                    f"{len(built.groups)} 个群组，{len(chats)} 个群的 {messages} 条聊天记录"
                    f"（审查发现 {findings} 处），{campaign.year}年度备案填报 {campaign.filings.count()} 个单位"
                    f"（用时 {time.monotonic() - started:.1f} 秒）。"
                )
            )
        self.print_logins()

    def print_logins(self) -> None:
        existing = set(
            User.objects.filter(username__in=[x.username for x in LOGINS]).values_list("username", flat=True)
        )
        if not existing:
            self.stdout.write("（此数据库不是演示库，没有演示账号。）")
            return
        rows = [("用户名", "密码", "角色", "范围", "说明")]
        rows += [(x.username, PASSWORD, x.role, x.scope, x.note) for x in LOGINS if x.username in existing]
        widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))]
        self.stdout.write("")
        self.stdout.write("演示账号（登录 http://127.0.0.1:8000/ ）：")
        for n, row in enumerate(rows):
            self.stdout.write(
                "  " + "  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip()
            )
            if n == 0:
                self.stdout.write("  " + "  ".join("-" * w for w in widths))


def _width(text: str) -> int:
    """Return the display width of ``text`` in a terminal (CJK characters take two columns)."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
