"""WeCom group robots over real HTTP on loopback, and QQ private messages through the gateway."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from qunguan.notify.actions import do_notify, do_set_preferences
from qunguan.notify.channels import ChannelUnavailable
from qunguan.notify.channels.qq.transport import register_sender
from qunguan.notify.delivery import deliver_due
from qunguan.notify.models import Delivery, DeliveryState


def notify_high(subject: str, user: Any, capture: Any) -> Delivery:
    with capture(execute=True):
        do_notify([user], subject=subject, body="请及时处理。", severity="high")
    return Delivery.objects.get(notification__subject=subject)


def test_the_robot_receives_a_text_message(
    cast: Any, wecom_robot: Any, django_capture_on_commit_callbacks: Any
) -> None:
    do_set_preferences(cast.manager_a, cast.manager_a, channels=["wecom"], wecom_webhook=wecom_robot.url)
    delivery = notify_high("作曲系教职工群出现手机号", cast.manager_a, django_capture_on_commit_callbacks)
    assert wecom_robot.posts == [
        {"msgtype": "text", "text": {"content": "作曲系教职工群出现手机号\n\n请及时处理。"}}
    ]
    assert (delivery.state, delivery.attempts) == (DeliveryState.SENT, 1)


def test_an_invalid_robot_key_fails_at_once(
    cast: Any, wecom_robot: Any, django_capture_on_commit_callbacks: Any
) -> None:
    wecom_robot.mode = "error"
    do_set_preferences(cast.manager_a, cast.manager_a, channels=["wecom"], wecom_webhook=wecom_robot.url)
    delivery = notify_high("群内出现涉密文号", cast.manager_a, django_capture_on_commit_callbacks)
    assert delivery.state == DeliveryState.FAILED
    assert delivery.attempts == 1
    assert delivery.error == "企业微信群机器人返回错误 93000：invalid webhook url"


def test_a_robot_that_times_out_is_retried(
    cast: Any, wecom_robot: Any, django_capture_on_commit_callbacks: Any
) -> None:
    wecom_robot.mode = "slow"
    do_set_preferences(cast.manager_a, cast.manager_a, channels=["wecom"], wecom_webhook=wecom_robot.url)
    delivery = notify_high("群内出现身份证号", cast.manager_a, django_capture_on_commit_callbacks)
    assert delivery.state == DeliveryState.RETRYING
    assert delivery.error.startswith("企业微信群机器人无法连接或超时")
    wecom_robot.mode = "ok"
    assert deliver_due(timezone.now() + dt.timedelta(minutes=2)).sent == 1


def test_retries_back_off_and_stop_after_the_last_attempt(
    cast: Any, wecom_robot: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.QUNGUAN_NOTIFY_MAX_ATTEMPTS = 3
    wecom_robot.mode = "busy"
    do_set_preferences(cast.manager_a, cast.manager_a, channels=["wecom"], wecom_webhook=wecom_robot.url)
    delivery = notify_high("群内出现身份证号", cast.manager_a, django_capture_on_commit_callbacks)
    waits = []
    last_try = timezone.now()
    while delivery.state == DeliveryState.RETRYING:
        due = delivery.next_attempt_at
        assert due is not None
        waits.append(round((due - last_try).total_seconds() / 60))
        deliver_due(due)
        last_try = due
        delivery.refresh_from_db()
    assert waits == [1, 2]  # 60 s after the first failure, 120 s after the second
    assert (delivery.state, delivery.attempts) == (DeliveryState.FAILED, 3)
    assert delivery.error == "企业微信群机器人返回错误 45009：api freq out of limit"
    assert len(wecom_robot.posts) == 3
    assert deliver_due(timezone.now() + dt.timedelta(days=2)).sent == 0


def test_a_robot_answering_http_500_is_retried(
    cast: Any, wecom_robot: Any, django_capture_on_commit_callbacks: Any
) -> None:
    wecom_robot.mode = "http500"
    do_set_preferences(cast.manager_a, cast.manager_a, channels=["wecom"], wecom_webhook=wecom_robot.url)
    delivery = notify_high("群内出现身份证号", cast.manager_a, django_capture_on_commit_callbacks)
    assert (delivery.state, delivery.error) == (DeliveryState.RETRYING, "企业微信群机器人返回 HTTP 500")


@pytest.fixture
def no_gateway() -> Any:
    register_sender(None)
    yield
    register_sender(None)


def test_without_a_gateway_qq_messages_wait_and_go_out_when_it_comes_up(
    cast: Any, no_gateway: Any, django_capture_on_commit_callbacks: Any
) -> None:
    do_set_preferences(cast.manager_a, cast.manager_a, channels=["qq"], qq="10001")
    delivery = notify_high("群内出现身份证号", cast.manager_a, django_capture_on_commit_callbacks)
    assert delivery.state == DeliveryState.WAITING_GATEWAY
    assert delivery.attempts == 0
    assert delivery.error == "QQ 网关未运行，网关上线后发送"
    assert delivery.get_state_display() == "等待QQ网关上线"

    sent: list[tuple[str, str]] = []
    register_sender(lambda qq, text: sent.append((qq, text)))
    outcome = deliver_due(timezone.now(), channel="qq")
    assert outcome.sent == 1
    assert sent == [("10001", "群内出现身份证号\n\n请及时处理。")]
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (DeliveryState.SENT, 1)


def test_a_gateway_failure_is_an_attempt_to_retry(
    cast: Any, no_gateway: Any, django_capture_on_commit_callbacks: Any
) -> None:
    def failing(qq: str, text: str) -> None:
        raise TimeoutError("send_private_msg 超时")

    register_sender(failing)
    do_set_preferences(cast.manager_a, cast.manager_a, channels=["qq"], qq="10001")
    delivery = notify_high("群内出现身份证号", cast.manager_a, django_capture_on_commit_callbacks)
    assert (delivery.state, delivery.attempts) == (DeliveryState.RETRYING, 1)
    assert delivery.error == "QQ 私聊发送失败：send_private_msg 超时"


def test_each_chosen_channel_gets_its_own_delivery(
    cast: Any, wecom_robot: Any, smtp_server: Any, no_gateway: Any, django_capture_on_commit_callbacks: Any
) -> None:
    do_set_preferences(
        cast.manager_a,
        cast.manager_a,
        channels=["email", "wecom", "qq"],
        email="zuoqu@example.edu.cn",
        wecom_webhook=wecom_robot.url,
        qq="10001",
    )
    with django_capture_on_commit_callbacks(execute=True):
        (notice,) = do_notify([cast.manager_a], subject="群内出现身份证号", body="", severity="high")
    states = dict(notice.deliveries.values_list("channel", "state"))
    assert states == {"email": "sent", "wecom": "sent", "qq": "waiting_gateway"}


def test_a_gateway_with_no_bot_connected_keeps_the_message_waiting(
    cast: Any, no_gateway: Any, django_capture_on_commit_callbacks: Any
) -> None:
    def not_connected(qq: str, text: str) -> None:
        raise ChannelUnavailable("没有已连接的机器人账号")

    register_sender(not_connected)
    do_set_preferences(cast.manager_a, cast.manager_a, channels=["qq"], qq="10001")
    delivery = notify_high("群内出现身份证号", cast.manager_a, django_capture_on_commit_callbacks)
    assert (delivery.state, delivery.attempts) == (DeliveryState.WAITING_GATEWAY, 0)
    assert delivery.error == "没有已连接的机器人账号"
