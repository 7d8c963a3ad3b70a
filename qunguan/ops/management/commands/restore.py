"""``qunguan restore``: put a backup archive back (database and uploaded files)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from qunguan.ops import backup
from qunguan.ops.actions import do_restore
from qunguan.ops.backup import BackupError, extract_verified


class Command(BaseCommand):
    help = "从备份文件恢复数据库与上传文件（会覆盖当前数据；先停止网页服务、网关与定时任务）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path, help="qunguan backup 写出的 .tar.gz 文件")
        parser.add_argument("--yes", action="store_true", help="不再询问，直接覆盖当前数据")
        parser.add_argument("--check", action="store_true", help="只校验备份文件是否完整，不恢复")
        parser.add_argument(
            "--key",
            "--encrypt-key",
            dest="key",
            type=Path,
            default=settings.QUNGUAN_BACKUP_KEY_FILE,
            help="加密备份的密钥文件（备份时 --encrypt-key 所用的那个；默认 $QUNGUAN_BACKUP_KEY_FILE）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        archive: Path = options["archive"]
        try:
            if options["check"]:
                with tempfile.TemporaryDirectory() as tmp:
                    plain = backup.plain_archive(archive, options["key"], Path(tmp))
                    (Path(tmp) / "extracted").mkdir()
                    manifest = extract_verified(plain, Path(tmp) / "extracted")
                self.stdout.write(
                    f"备份完好：{archive}（{manifest['engine']}，创建于 {backup.created_at(manifest)}，"
                    f"上传文件 {len(manifest['uploads'])} 个）"
                )
                return
            if not options["yes"]:
                answer = input(f"恢复将覆盖当前数据库与上传文件，确定从 {archive} 恢复吗？输入 yes 继续：")
                if answer.strip().lower() != "yes":
                    raise CommandError("已取消，未做任何改动。")
            manifest = do_restore(None, archive, key_file=options["key"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"已从 {archive} 恢复（创建于 {backup.created_at(manifest)}，上传文件 {len(manifest['uploads'])} 个）。"
            "如数据库结构较旧，请运行 qunguan upgrade。"
        )
