"""``qunguan backup``: the database and the uploaded files in one verified archive."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from qunguan.ops.actions import do_backup
from qunguan.ops.backup import BackupError


class Command(BaseCommand):
    help = "备份数据库与上传文件（SQLite 在线备份，PostgreSQL 用 pg_dump），写成一个 .tar.gz 文件"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "-o",
            "--output",
            type=Path,
            help="备份文件名，或存放备份的目录（默认 $QUNGUAN_BACKUP_DIR，文件名带日期时间）",
        )
        parser.add_argument(
            "--encrypt-key",
            type=Path,
            default=settings.QUNGUAN_BACKUP_KEY_FILE,
            help="密钥文件：用其中的口令加密备份（AES-256-GCM，文件名以 .enc 结尾）；"
            "默认 $QUNGUAN_BACKUP_KEY_FILE，未设置则不加密",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = do_backup(None, options["output"], key_file=options["encrypt_key"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        megabytes = summary.database_bytes / 1024 / 1024
        sealed = "，已加密" if summary.encrypted else ""
        self.stdout.write(
            f"备份已写入：{summary.path}（{summary.engine} 数据库 {megabytes:.1f} MB，上传文件 {summary.uploads} 个{sealed}）"
        )
