"""``qunguan upgrade``: bring the database structure up to this version (safe to run again)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from qunguan.ops.actions import do_upgrade


class Command(BaseCommand):
    help = "升级数据库结构（执行尚未执行的迁移；可重复运行）"

    def handle(self, *args: Any, **options: Any) -> None:
        applied = do_upgrade(None)
        if not applied:
            self.stdout.write("数据库结构已是最新，无需升级。")
            return
        self.stdout.write(f"已执行 {len(applied)} 个迁移：")
        for name in applied:
            self.stdout.write(f"  {name}")
