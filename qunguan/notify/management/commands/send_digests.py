"""``qunguan send-digests``: the daily notification digest (通知汇总) and due retries; idempotent."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from qunguan.notify.delivery import deliver_due
from qunguan.notify.digests import send_digests


class Command(BaseCommand):
    help = (
        "把等待汇总的通知合成每人每天一封汇总，经各人选择的渠道发出，并重试到期的发送。"
        "未到 QUNGUAN_NOTIFY_DIGEST_HOUR 时只重试，除非指定 --force。重复运行不会重复发送。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="不等到汇总时刻，现在就发送今天的汇总")

    def handle(self, *args: Any, **options: Any) -> None:
        run = send_digests(force=options["force"])
        retried = deliver_due()
        if run.due:
            self.stdout.write(
                f"已生成 {run.digests} 份汇总（{run.notifications} 条通知），发出 {run.sent} 份。"
            )
        else:
            self.stdout.write("未到汇总时刻（QUNGUAN_NOTIFY_DIGEST_HOUR），本次不生成汇总。")
        self.stdout.write(
            f"到期重试：成功 {retried.sent}，待重试 {retried.retrying}，失败 {retried.failed}，"
            f"等待QQ网关 {retried.waiting}。"
        )
