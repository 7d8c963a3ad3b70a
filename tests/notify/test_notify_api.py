"""do_notify: the one way qunguan tells a person something."""

from __future__ import annotations

from typing import Any

import pytest

from qunguan.notify.actions import do_notify, do_set_preferences
from qunguan.notify.channels.qq.transport import register_sender
from qunguan.notify.channels.wecom.transport import MAX_CONTENT_BYTES, _truncate
from qunguan.notify.delivery import attempt
from qunguan.notify.models import Delivery, DeliveryState, Mode, Notification
from qunguan.registry.errors import RegistryError


def test_a_notice_lands_in_each_recipients_inbox(cast: Any) -> None:
    made = do_notify(
        [cast.manager_a, cast.manager_b],
        subject="作曲系教职工群人数超过150人",
        body="请提交超150人审批。",
        severity="medium",
        link="/groups/1/",
    )
    assert [n.recipient for n in made] == [cast.manager_a, cast.manager_b]
    assert Notification.objects.filter(recipient=cast.manager_a, read_at__isnull=True).count() == 1


def test_the_same_key_notifies_a_person_once(cast: Any) -> None:
    first = do_notify([cast.manager_a], subject="临时群即将到期", body="", key="temp-end:7:2026-03-01")
    again = do_notify(
        [cast.manager_a, cast.manager_b], subject="临时群即将到期", body="", key="temp-end:7:2026-03-01"
    )
    assert len(first) == 1
    assert [n.recipient for n in again] == [cast.manager_b]
    assert Notification.objects.filter(key="temp-end:7:2026-03-01").count() == 2


def test_a_recipient_listed_twice_gets_one_notice(cast: Any) -> None:
    made = do_notify([cast.manager_a, cast.manager_a], subject="审批已通过", body="")
    assert len(made) == 1


def test_high_severity_goes_out_at_once_and_low_waits_for_the_digest(cast: Any) -> None:
    (high,) = do_notify([cast.manager_a], subject="群内出现身份证号", body="", severity="high")
    (low,) = do_notify([cast.manager_a], subject="本周新增2个群", body="", severity="low")
    assert high.mode == Mode.IMMEDIATE
    assert low.mode == Mode.DIGEST
    assert not Delivery.objects.filter(notification=low).exists()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"subject": "x", "severity": "urgent"}, "未知的紧急程度“urgent”，可选：low、medium、high"),
        ({"subject": "  "}, "通知标题不能为空"),
    ],
)
def test_bad_calls_are_refused_with_a_clear_reason(cast: Any, kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(RegistryError) as caught:
        do_notify([cast.manager_a], body="", **kwargs)
    assert caught.value.message == message


def test_nobody_changes_anothers_preferences(cast: Any) -> None:
    with pytest.raises(RegistryError) as caught:
        do_set_preferences(cast.supervisor, cast.manager_a, channels=["qq"], qq="10001")
    assert (caught.value.code, caught.value.message) == ("out_of_scope", "只能修改自己的通知设置")


def test_a_delivery_claimed_by_another_worker_is_not_sent_twice(cast: Any) -> None:
    do_set_preferences(cast.manager_a, cast.manager_a, channels=["qq"], qq="10001")
    sent: list[str] = []
    register_sender(lambda qq, text: sent.append(qq))
    try:
        do_notify([cast.manager_a], subject="群内出现身份证号", body="", severity="high")
        stale = Delivery.objects.get()
        other = Delivery.objects.get()
        assert attempt(other) == DeliveryState.SENT
        assert attempt(stale) == DeliveryState.PENDING  # its claim fails: the row moved on
    finally:
        register_sender(None)
    assert sent == ["10001"]


def test_long_robot_messages_are_cut_to_what_the_robot_accepts() -> None:
    text = "群" * 1000  # 3,000 bytes in UTF-8
    cut = _truncate(text, MAX_CONTENT_BYTES)
    assert len(cut.encode("utf-8")) <= MAX_CONTENT_BYTES
    assert cut.endswith("…")


def test_a_deactivated_account_is_not_notified(cast: Any) -> None:
    cast.head_a.is_active = False
    cast.head_a.save(update_fields=["is_active"])
    assert do_notify([cast.head_a, cast.manager_a], subject="待签批", body="") != []
    assert not Notification.objects.filter(recipient=cast.head_a).exists()
