"""``qunguan export-removals --group ACCOUNT``: the members to remove or clarify (待清理成员名单, 1(3))."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qunguan.members.actions import do_export_removals
from qunguan.members.management import find_group
from qunguan.ops.private_files import write_private
from qunguan.registry.errors import RegistryError
from qunguan.registry.management.importing import command_actor
from qunguan.registry.models import Platform


class Command(BaseCommand):
    help = (
        "导出群组最新成员名单中未通过实名核验的成员（查无此人、不在成员范围、重名无法确定）及原因，"
        "供群主/管理员核实或移除。--output 以 .xlsx 结尾时输出 Excel，否则输出 CSV；不指定时 CSV 输出到屏幕。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--group", required=True, metavar="ACCOUNT", help="群号/账号（须已登记）")
        parser.add_argument(
            "--platform", choices=[p.value for p in Platform], help="群号在多个平台登记过时指定平台"
        )
        parser.add_argument("--output", "-o", metavar="FILE", help="写入该文件（.csv 或 .xlsx）")
        parser.add_argument(
            "--as",
            dest="actor",
            metavar="USERNAME",
            help="以该账号的身份导出：只能导出其可见的群，无权查看个人信息时 QQ号/微信号 与学号打码",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        actor = command_actor(options["actor"])
        group = find_group(options["group"], actor, options["platform"])
        output = options["output"]
        fmt = "xlsx" if output and output.lower().endswith(".xlsx") else "csv"
        try:
            filename, content = do_export_removals(actor, group, fmt)
        except RegistryError as exc:
            raise CommandError(exc.message) from None
        if not output:
            if fmt == "csv":
                # on the screen without the BOM that only Excel needs
                self.stdout.write(content.decode("utf-8-sig"), ending="")
            return
        try:
            write_private(Path(output), content)  # ids and numbers of people: mode 600
        except OSError as exc:
            raise CommandError(f"无法写入文件 {output}：{exc.strerror or exc}") from None
        self.stderr.write(f"已导出 {filename} 到 {output}。")
