"""``qunguan scheduler``: run due jobs in a loop until stopped (SIGTERM or Ctrl-C finish the current job)."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections

from qunguan.scheduler.runner import run_due, runner_id


class Command(BaseCommand):
    help = (
        "持续运行定时任务（到期即运行，默认每 60 秒检查一次）；可与 qunguan tick 同时使用，任务不会重复运行。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--interval", type=int, default=60, metavar="SECONDS", help="检查间隔秒数（默认 60）"
        )
        parser.add_argument("--max-ticks", type=int, default=0, metavar="N", help=argparse_hidden())

    def handle(self, *args: Any, **options: Any) -> None:
        interval = options["interval"]
        if interval < 1:
            raise CommandError("--interval 至少为 1 秒。")
        stop = threading.Event()

        def request_stop(signum: int, frame: Any) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        owner = runner_id()
        self.stdout.write(f"定时任务已启动（{owner}），每 {interval} 秒检查一次；按 Ctrl-C 停止。")
        ticks = 0
        while not stop.is_set():
            for outcome in run_due(owner=owner):
                if outcome.status == "failed":
                    self.stderr.write(f"{outcome.name}：失败（{outcome.result}），下次检查时重试。")
                elif outcome.status == "ok":
                    self.stdout.write(f"{outcome.name}：完成（{outcome.result}）")
            ticks += 1
            if options["max_ticks"] and ticks >= options["max_ticks"]:
                break
            stop.wait(interval)
            # a database restart between ticks must not end the loop: drop broken or stale connections
            close_old_connections()
        self.stdout.write("定时任务已停止。")


def argparse_hidden() -> str:
    import argparse

    return argparse.SUPPRESS
