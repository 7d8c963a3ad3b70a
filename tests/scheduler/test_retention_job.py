"""The daily retention purge, driven by the scheduler's clock; the search index follows on every backend."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from pathlib import Path

import pytest

from qunguan.auditlog.events import AuditEvent
from qunguan.auditlog.models import AuditLogEntry
from qunguan.chats import search
from qunguan.chats.actions import do_import_chat_file
from qunguan.chats.models import ChatMessage
from qunguan.scheduler.models import JobState
from qunguan.scheduler.runner import run_due

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
EXPORT = """time,group,sender_id,sender_name,text,message_id,platform
2024-09-01 09:00:00,600100200,10001001,王建国,会议改到下午三点请大家准时,m-old,qq
2025-02-20 10:00:00,600100200,10001002,李芳,明天的会议照常举行,m-new,qq
"""


def beijing(month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2025, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def stored(cast, settings, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path / "data"
    settings.QUNGUAN_MESSAGE_RETENTION_DAYS = 180
    path = tmp_path / "export.csv"
    path.write_text(EXPORT, encoding="utf-8")
    do_import_chat_file(None, path, format_name="generic")
    search.catch_up()


def tick(when: dt.datetime) -> list[tuple[str, str, str]]:
    return [(o.name, o.status, o.result) for o in run_due(when, only=["retention_purge"])]


def test_the_scheduler_purges_expired_message_bodies_at_half_past_three_once_a_day(cast, stored):
    assert tick(beijing(3, 1, 2)) == []  # the first tick only plans the job for 03:30
    assert JobState.objects.get(name="retention_purge").next_run_at == beijing(3, 1, 3, 30)
    assert tick(beijing(3, 1, 3, 30)) == [("retention_purge", "ok", "清除 1 条消息的内容")]
    assert ChatMessage.objects.get(message_id="m-old").text == ""
    assert ChatMessage.objects.get(message_id="m-new").text == "明天的会议照常举行"
    assert tick(beijing(3, 1, 9)) == []  # not due again until tomorrow
    assert tick(beijing(3, 2, 3, 30)) == [("retention_purge", "ok", "清除 0 条消息的内容")]
    assert AuditLogEntry.objects.filter(event_type=AuditEvent.MESSAGES_PURGED).count() == 1


def test_the_search_index_follows_the_scheduled_purge(cast, stored):
    assert [m.message_id for m in search.search_messages(cast.supervisor, "会议改到下午")] == ["m-old"]
    tick(beijing(3, 1, 2))
    tick(beijing(3, 1, 3, 30))
    assert list(search.search_messages(cast.supervisor, "会议改到下午")) == []
    assert list(search.search_messages(cast.supervisor, "准时")) == []  # two characters: LIKE
    assert [m.message_id for m in search.search_messages(cast.supervisor, "会议照常")] == ["m-new"]


def test_with_retention_off_the_job_keeps_every_message(cast, stored, settings):
    settings.QUNGUAN_MESSAGE_RETENTION_DAYS = 0
    tick(beijing(3, 1, 2))
    assert tick(beijing(3, 1, 3, 30)) == [("retention_purge", "ok", "未设置保留期限，消息永久保留")]
    assert not ChatMessage.objects.filter(purged_at__isnull=False).exists()
