"""The daily digest (通知汇总): one message a day per person, safe to run twice."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

from django.core.management import call_command
from django.utils import timezone

from qunguan.notify.actions import do_notify, do_set_preferences
from qunguan.notify.digests import send_digests
from qunguan.notify.models import Digest, Mode, Notification

SHANGHAI = ZoneInfo("Asia/Shanghai")


def tomorrow_at(hour: int, minute: int = 0) -> dt.datetime:
    day = timezone.localtime().date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)


def mail_text(raw: bytes) -> tuple[str, str]:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    return str(message["Subject"]).strip(), message.get_content()


def test_low_notices_are_gathered_into_one_mail_per_person(cast: Any, smtp_server: Any) -> None:
    do_set_preferences(cast.manager_a, cast.manager_a, channels=["email"], email="zuoqu@example.edu.cn")
    do_set_preferences(cast.manager_b, cast.manager_b, channels=["email"], email="shengyue@example.edu.cn")
    do_notify([cast.manager_a], subject="作曲系新登记1个群", body="", link="/groups/")
    do_notify([cast.manager_a, cast.manager_b], subject="三月填报将于3月1日开始", body="", severity="medium")

    now = tomorrow_at(9)
    run = send_digests(now)

    assert (run.due, run.digests, run.notifications, run.sent) == (True, 2, 3, 2)
    by_recipient = {rcpt[0]: mail_text(raw) for _, rcpt, raw in smtp_server.messages}
    subject, body = by_recipient["zuoqu@example.edu.cn"]
    assert subject == f"[群管] 通知汇总：{now:%Y-%m-%d} 共 2 条"
    assert "1. [一般]" in body
    assert "作曲系新登记1个群" in body
    assert "2. [较重要]" in body
    assert "三月填报将于3月1日开始" in body
    assert by_recipient["shengyue@example.edu.cn"][0] == f"[群管] 通知汇总：{now:%Y-%m-%d} 共 1 条"


def test_running_twice_sends_nothing_twice(cast: Any, smtp_server: Any) -> None:
    do_set_preferences(cast.manager_a, cast.manager_a, channels=["email"], email="zuoqu@example.edu.cn")
    do_notify([cast.manager_a], subject="作曲系新登记1个群", body="")
    send_digests(tomorrow_at(9))
    again = send_digests(tomorrow_at(9, 5))
    assert (again.digests, again.notifications, again.sent) == (0, 0, 0)
    assert len(smtp_server.messages) == 1


def test_nothing_goes_out_before_the_digest_hour_unless_forced(cast: Any, settings: Any) -> None:
    settings.QUNGUAN_NOTIFY_DIGEST_HOUR = 8
    do_notify([cast.manager_a], subject="作曲系新登记1个群", body="")
    assert send_digests(tomorrow_at(7, 59)).due is False
    assert not Digest.objects.exists()
    assert send_digests(tomorrow_at(7, 59), force=True).digests == 1


def test_a_notice_after_todays_digest_waits_for_tomorrows(cast: Any) -> None:
    do_notify([cast.manager_a], subject="第一条", body="")
    send_digests(tomorrow_at(9))
    do_notify([cast.manager_a], subject="第二条", body="")
    assert send_digests(tomorrow_at(18)).digests == 0
    later = send_digests(tomorrow_at(9) + dt.timedelta(days=1))
    assert (later.digests, later.notifications) == (1, 1)
    digest = Notification.objects.get(subject="第二条").digest
    assert digest is not None
    assert digest.day == (tomorrow_at(9) + dt.timedelta(days=1)).date()


def test_high_notices_never_wait_for_the_digest(cast: Any) -> None:
    do_notify([cast.manager_a], subject="群内出现身份证号", body="", severity="high")
    assert send_digests(tomorrow_at(9)).digests == 0


def test_medium_notices_go_out_at_once_for_those_who_ask(cast: Any) -> None:
    do_set_preferences(cast.manager_a, cast.manager_a, channels=[], medium_immediate=True)
    (notice,) = do_notify([cast.manager_a], subject="审批待签", body="", severity="medium")
    assert notice.mode == Mode.IMMEDIATE


def test_the_command_reports_what_it_did(cast: Any) -> None:
    do_notify([cast.manager_a, cast.manager_b], subject="三月填报开始", body="")
    out = StringIO()
    call_command("send_digests", "--force", stdout=out)
    assert out.getvalue().splitlines() == [
        "已生成 2 份汇总（2 条通知），发出 0 份。",
        "到期重试：成功 0，待重试 0，失败 0，等待QQ网关 0。",
    ]
    out = StringIO()
    call_command("send_digests", "--force", stdout=out)
    assert out.getvalue().splitlines()[0] == "已生成 0 份汇总（0 条通知），发出 0 份。"
