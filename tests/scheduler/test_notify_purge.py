"""notify_purge: read notices and finished sendings past the retention are deleted, once, with one audit entry."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django.utils import timezone

from qunguan.auditlog.events import AuditEvent
from qunguan.auditlog.models import AuditLogEntry
from qunguan.notify.actions import do_mark_read, do_notify, do_set_preferences
from qunguan.notify.delivery import deliver
from qunguan.notify.models import Delivery, DeliveryState, Notification
from qunguan.scheduler.runner import run_due

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def _days_later(days: int, hour: int, minute: int) -> dt.datetime:
    day = (timezone.now() + dt.timedelta(days=days)).astimezone(SHANGHAI).date()
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def _tick_at_night(days: int) -> list[Any]:
    """Run the purge job as the scheduler would on the night ``days`` days from now."""
    run_due(_days_later(days, 0, 5), only=["notify_purge"])  # the job's first 03:40 that night
    return run_due(_days_later(days, 3, 41), only=["notify_purge"])


def _notices(cast: Any, settings: Any) -> dict[str, Notification]:
    settings.EMAIL_HOST = "127.0.0.1"  # configured, so mail sendings wait in the queue
    do_set_preferences(cast.manager_a, cast.manager_a, channels=["email"], email="zuoqu@example.edu.cn")
    (read,) = do_notify([cast.manager_a], subject="审批已通过", body="", severity="low")
    (unread,) = do_notify([cast.manager_a], subject="请核对本单位群组", body="", severity="low")
    (waiting,) = do_notify([cast.manager_a], subject="群内出现身份证号", body="", severity="high")
    do_set_preferences(cast.manager_b, cast.manager_b, channels=["email"], email="shengyue@example.edu.cn")
    (sent,) = do_notify([cast.manager_b], subject="临时群即将到期", body="", severity="high")
    # the test settings' mail backend keeps mails in memory: manager_b's goes out
    assert deliver(Delivery.objects.filter(notification=sent).values_list("pk", flat=True)).sent == 1
    for notice in (read, waiting):
        do_mark_read(cast.manager_a, notice)
    do_mark_read(cast.manager_b, sent)
    return {"read": read, "unread": unread, "waiting": waiting, "sent": sent}


def test_read_notices_and_finished_sendings_older_than_a_year_are_purged(cast: Any, settings: Any) -> None:
    notices = _notices(cast, settings)
    assert Delivery.objects.get(notification=notices["waiting"]).state == DeliveryState.PENDING

    (outcome,) = _tick_at_night(400)

    assert outcome.status == "ok"
    assert outcome.result == "清除已读通知 2 条、发送记录 1 条、汇总 0 份"
    left = set(Notification.objects.values_list("subject", flat=True))
    # unread stays whatever its age; a read one whose mail still waits stays with its sending
    assert left == {"请核对本单位群组", "群内出现身份证号"}
    assert Delivery.objects.filter(notification=notices["waiting"], state=DeliveryState.PENDING).exists()
    (entry,) = AuditLogEntry.objects.filter(event_type=AuditEvent.NOTIFY_PURGED)
    assert entry.after["notifications"] == 2
    assert entry.after["deliveries"] == 1
    assert entry.after["days"] == 365
    assert "保留 365 天" in entry.summary


def test_nothing_younger_than_the_retention_is_purged(cast: Any, settings: Any) -> None:
    _notices(cast, settings)
    (outcome,) = _tick_at_night(300)
    assert outcome.result == "清除已读通知 0 条、发送记录 0 条、汇总 0 份"
    assert Notification.objects.count() == 4
    assert not AuditLogEntry.objects.filter(event_type=AuditEvent.NOTIFY_PURGED).exists()


def test_running_the_purge_twice_deletes_and_logs_once(cast: Any, settings: Any) -> None:
    _notices(cast, settings)
    _tick_at_night(400)
    (again,) = _tick_at_night(401)
    assert again.result == "清除已读通知 0 条、发送记录 0 条、汇总 0 份"
    assert AuditLogEntry.objects.filter(event_type=AuditEvent.NOTIFY_PURGED).count() == 1


def test_the_retention_follows_the_setting(cast: Any, settings: Any) -> None:
    _notices(cast, settings)
    settings.QUNGUAN_NOTIFICATION_RETENTION_DAYS = 30
    (outcome,) = _tick_at_night(40)
    assert outcome.result == "清除已读通知 2 条、发送记录 1 条、汇总 0 份"
