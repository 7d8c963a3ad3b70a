"""``qunguan tick``: run the due scheduled jobs once (for cron or a systemd timer)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from qunguan.scheduler.models import JobState
from qunguan.scheduler.runner import run_due
from qunguan.scheduler.table import JOBS, SHANGHAI

STATUS_WORDS = {"ok": "完成", "skipped": "跳过", "failed": "失败", "busy": "正在其他进程中运行，本次跳过"}


def parse_now(raw: str | None) -> dt.datetime | None:
    """Return ``--now`` ("2026-03-09 08:00", Beijing time) as an aware datetime; raise CommandError."""
    if not raw:
        return None
    try:
        value = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise CommandError(f"--now：“{raw}”不是时间（格式 YYYY-MM-DD HH:MM，北京时间）。") from None
    return value if value.tzinfo else value.replace(tzinfo=SHANGHAI)


class Command(BaseCommand):
    help = "运行到期的定时任务一次（供 cron 或 systemd 定时器调用）；--list 列出所有任务。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--job", action="append", metavar="NAME", help="只运行该任务（可重复）")
        parser.add_argument("--list", action="store_true", help="列出所有任务、计划和上次结果，不运行")
        parser.add_argument("--now", metavar="TIME", help="以该时间（北京时间）为当前时间，用于补跑或演练")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"]:
            self._list()
            return
        only = options["job"]
        unknown = [n for n in only or [] if n not in JOBS]
        if unknown:
            raise CommandError(f"未知任务：{'、'.join(unknown)}。可用任务：{'、'.join(JOBS.names())}")
        outcomes = run_due(parse_now(options["now"]), only=only)
        for o in outcomes:
            line = f"{o.name}：{STATUS_WORDS[o.status]}" + (f"（{o.result}）" if o.result else "")
            (self.stderr if o.status == "failed" else self.stdout).write(line)
        if not outcomes:
            self.stdout.write("没有到期的任务。")
        failed = [o.name for o in outcomes if o.status == "failed"]
        if failed:
            raise CommandError(f"{len(failed)} 个任务失败：{'、'.join(failed)}，下次运行时重试。")

    def _list(self) -> None:
        states = JobState.objects.in_bulk(JOBS.names())
        for job in JOBS:
            state = states.get(job.name)
            when = (
                timezone.localtime(state.next_run_at).strftime("%Y-%m-%d %H:%M")
                if state
                else "首次运行时确定"
            )
            last = state.get_last_status_display() if state else "未运行"
            self.stdout.write(f"{job.name:<28}{job.schedule:<12}下次 {when:<18}上次 {last}  {job.title}")
