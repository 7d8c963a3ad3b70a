"""``qunguan verify-log``: walk the audit log's hash chain and report every break."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from qunguan.auditlog import log
from qunguan.auditlog.models import AuditLogEntry


class Command(BaseCommand):
    help = (
        "校验审计日志的哈希链：任何一条记录被修改或删除都会被发现，并指出是第几条；发现问题时以状态 1 退出。"
    )

    def handle(self, *args: Any, **options: Any) -> None:
        problems = list(log.verify())
        if problems:
            for problem in problems:
                self.stderr.write(f"第 {problem.seq} 条：{problem.reason}")
            raise CommandError(f"审计日志校验失败：发现 {len(problems)} 处问题，日志可能已被篡改。")
        total = AuditLogEntry.objects.count()
        self.stdout.write(self.style.SUCCESS(f"审计日志完整：{total} 条记录，哈希链校验通过"))
