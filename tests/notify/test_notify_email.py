"""E-mail notices reach a real SMTP server on loopback; failures are recorded and retried."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from typing import Any

from django.utils import timezone

from qunguan.notify.actions import do_notify, do_set_preferences
from qunguan.notify.delivery import deliver_due
from qunguan.notify.models import Delivery, DeliveryState


def choose_email(user: Any, address: str) -> None:
    do_set_preferences(user, user, channels=["email"], email=address)


def parse(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)


def test_a_high_severity_notice_is_mailed_at_once(
    cast: Any, smtp_server: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.QUNGUAN_BASE_URL = "https://qunguan.example.edu.cn"
    choose_email(cast.manager_a, "zuoqu@example.edu.cn")
    with django_capture_on_commit_callbacks(execute=True):
        (notice,) = do_notify(
            [cast.manager_a],
            subject="作曲系教职工群出现身份证号",
            body="消息已撤回，请提醒发送者。",
            severity="high",
            link="/review/12/",
        )
    (_sender, recipients, raw) = smtp_server.messages[0]
    message = parse(raw)
    assert recipients == ["zuoqu@example.edu.cn"]
    assert message["Subject"].strip() == "[群管] 作曲系教职工群出现身份证号"
    assert message["From"] == "群管 <qunguan@example.edu.cn>"
    text = message.get_content()
    assert "消息已撤回，请提醒发送者。" in text
    assert "详情：https://qunguan.example.edu.cn/review/12/" in text
    delivery = Delivery.objects.get(notification=notice)
    assert (delivery.channel, delivery.state, delivery.attempts) == ("email", DeliveryState.SENT, 1)


def test_nothing_is_mailed_when_the_callers_transaction_rolls_back(
    cast: Any, smtp_server: Any, django_capture_on_commit_callbacks: Any
) -> None:
    choose_email(cast.manager_a, "zuoqu@example.edu.cn")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        do_notify([cast.manager_a], subject="审批被驳回", body="", severity="high")
    # The callback is registered for after commit, not run inside the caller's transaction.
    assert len(callbacks) == 1
    assert smtp_server.messages == []


def test_a_refused_address_fails_without_retrying(
    cast: Any, smtp_server: Any, django_capture_on_commit_callbacks: Any
) -> None:
    smtp_server.refuse.add("nobody@example.edu.cn")
    choose_email(cast.manager_a, "nobody@example.edu.cn")
    with django_capture_on_commit_callbacks(execute=True):
        do_notify([cast.manager_a], subject="审批被驳回", body="", severity="high")
    delivery = Delivery.objects.get()
    assert delivery.state == DeliveryState.FAILED
    assert delivery.attempts == 1
    assert delivery.error.startswith("邮件服务器拒收地址：")


def test_a_mail_server_that_is_down_is_retried_later(
    cast: Any, smtp_server: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    choose_email(cast.manager_a, "zuoqu@example.edu.cn")
    working_port = settings.EMAIL_PORT
    settings.EMAIL_PORT = 1  # nothing listens there
    with django_capture_on_commit_callbacks(execute=True):
        do_notify([cast.manager_a], subject="临时群已到期", body="", severity="high")
    delivery = Delivery.objects.get()
    assert delivery.state == DeliveryState.RETRYING
    assert delivery.attempts == 1
    assert delivery.error.startswith("邮件发送失败：")
    assert delivery.next_attempt_at is not None
    wait = delivery.next_attempt_at - timezone.now()
    assert dt.timedelta(seconds=55) < wait <= dt.timedelta(seconds=60)

    settings.EMAIL_PORT = working_port
    assert deliver_due(timezone.now()).sent == 0  # not due yet
    assert deliver_due(timezone.now() + dt.timedelta(seconds=61)).sent == 1
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.error) == (DeliveryState.SENT, 2, "")
    assert len(smtp_server.messages) == 1


def test_without_a_mail_server_the_delivery_is_skipped_with_the_reason(
    cast: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.EMAIL_HOST = ""
    choose_email(cast.manager_a, "zuoqu@example.edu.cn")
    with django_capture_on_commit_callbacks(execute=True):
        do_notify([cast.manager_a], subject="临时群已到期", body="", severity="high")
    delivery = Delivery.objects.get()
    assert delivery.state == DeliveryState.SKIPPED
    assert delivery.error == "未配置邮件服务器（QUNGUAN_EMAIL_HOST）"


def test_by_default_a_person_is_mailed_at_the_accounts_address(
    cast: Any, smtp_server: Any, django_capture_on_commit_callbacks: Any
) -> None:
    cast.head_a.email = "head@example.edu.cn"
    cast.head_a.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        do_notify([cast.head_a], subject="待签批：超150人审批", body="", severity="high")
    assert smtp_server.messages[0][1] == ["head@example.edu.cn"]
