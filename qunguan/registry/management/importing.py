"""The shape shared by ``qunguan import-roster`` and ``qunguan import-groups``.

Each command names its importer (a key of ``qunguan.registry.imports.IMPORTERS``); reading the
file, the actor, the dry run and the report's output are the same for every import.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qunguan.accounts.models import User
from qunguan.registry.imports import IMPORTERS, ImportReport


def command_actor(username: str | None) -> User | None:
    """Return the account a command acts as; None (the system, unscoped) when no username is given.

    Raises CommandError for an unknown or disabled account.
    """
    if username is None:
        return None
    user = User.objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"没有用户名为 {username} 的账号。")
    if not user.is_active:
        raise CommandError(f"账号 {username} 已停用，不能以它的身份操作。")
    return user


class ImportCommand(BaseCommand):
    """Import one CSV/XLSX file with the importer ``kind``; nothing is written unless every row is valid."""

    kind: ClassVar[str]

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file", metavar="FILE", help="CSV（UTF-8 或 GB18030 编码）或 XLSX 文件，第 1 行为表头"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="只校验文件并显示将新增、更新多少条，不写入任何数据"
        )
        parser.add_argument(
            "--as",
            dest="actor",
            metavar="USERNAME",
            help="以该账号的身份导入，只能导入其管理范围内的数据；不指定时以系统身份导入，不限范围",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        actor = command_actor(options["actor"])
        path = Path(options["file"])
        importer = IMPORTERS[self.kind](actor)
        try:
            with path.open("rb") as fileobj:
                if options["dry_run"]:
                    report = importer.parse(fileobj, options["file"])
                else:
                    report = importer.run(fileobj, options["file"])
        except FileNotFoundError:
            raise CommandError(f"找不到文件：{path}") from None
        except IsADirectoryError:
            raise CommandError(f"{path} 是一个目录，请指定 CSV 或 XLSX 文件。") from None
        except OSError as exc:
            raise CommandError(f"无法读取文件 {path}：{exc.strerror or exc}") from None
        self.print_report(report, dry_run=options["dry_run"])

    def print_report(self, report: ImportReport, *, dry_run: bool) -> None:
        """Print the outcome; raise CommandError (exit status 1) when the file has any bad row."""
        for warning in report.warnings:
            self.stderr.write(f"提示：{warning}")
        if report.errors:
            # one line per problem, FILE:LINE: 字段: 原因, so that editors can jump to the line
            for line in report.error_lines():
                self.stderr.write(line)
            raise CommandError(report.summary())
        self.stdout.write(report.summary())
        if dry_run:
            self.stdout.write("试运行（--dry-run）：未写入任何数据。")
