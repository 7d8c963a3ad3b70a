"""发送失败: the page of sendings that failed after their retries, and 重新发送."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from qunguan.auditlog.events import AuditEvent
from qunguan.auditlog.models import AuditLogEntry
from qunguan.notify.actions import do_resend_delivery
from qunguan.notify.failures import masked_address
from qunguan.notify.models import DeliveryState
from qunguan.registry.errors import RegistryError
from tests.notify.failing import failed_delivery


def test_the_supervisor_sees_every_failed_sending_with_the_address_masked(
    cast: Any, client_for: Callable[[Any], Client]
) -> None:
    failed_delivery(cast.head_a, subject="作曲系群内出现身份证号")
    failed_delivery(cast.manager_b, subject="声乐系临时群已过期")
    page = client_for(cast.supervisor).get("/inbox/failed/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "作曲系群内出现身份证号" in text
    assert "声乐系临时群已过期" in text
    assert "123***89" in text
    assert "123456789" not in text
    assert "QQ 私聊发送失败：retcode=100 对方不是机器人的好友" in text
    assert "重新发送" in text


def test_a_liaison_sees_only_the_people_of_their_units(
    cast: Any, client_for: Callable[[Any], Client]
) -> None:
    failed_delivery(cast.head_a, subject="作曲系群内出现身份证号")
    failed_delivery(cast.manager_b, subject="声乐系临时群已过期")
    text = client_for(cast.manager_a).get("/inbox/failed/").content.decode()
    assert "作曲系群内出现身份证号" in text
    assert "声乐系临时群已过期" not in text


def test_roles_other_than_the_supervisor_and_liaisons_are_refused(
    cast: Any, client_for: Callable[[Any], Client]
) -> None:
    for user in (cast.head_a, cast.group_admin, cast.outsider):
        assert client_for(user).get("/inbox/failed/").status_code == 403


def test_resending_from_the_page_queues_it_and_logs_it(
    cast: Any, client_for: Callable[[Any], Client]
) -> None:
    failed = failed_delivery(cast.head_a)
    response = client_for(cast.manager_a).post(f"/inbox/failed/{failed.pk}/resend/", follow=True)
    assert response.redirect_chain[-1][0] == "/inbox/failed/"
    assert "已重新加入发送队列。" in response.content.decode()
    failed.refresh_from_db()
    assert failed.state != DeliveryState.FAILED
    entry = AuditLogEntry.objects.get(event_type=AuditEvent.NOTIFY_DELIVERY_RESENT)
    assert entry.actor_id == cast.manager_a.pk
    assert entry.summary == "重新发送给 zuoqu-head 的QQ私聊（经机器人）通知（此前失败 1 次）"


def test_a_sibling_liaison_cannot_resend(cast: Any, client_for: Callable[[Any], Client]) -> None:
    failed = failed_delivery(cast.head_a)
    assert client_for(cast.manager_b).post(f"/inbox/failed/{failed.pk}/resend/").status_code == 404
    with pytest.raises(RegistryError) as refused:
        do_resend_delivery(cast.manager_b, failed)
    assert refused.value.code == "out_of_scope"
    failed.refresh_from_db()
    assert failed.state == DeliveryState.FAILED


def test_a_sending_no_longer_failed_is_not_sent_again(cast: Any) -> None:
    failed = failed_delivery(cast.head_a)
    do_resend_delivery(cast.supervisor, failed)
    with pytest.raises(RegistryError) as refused:
        do_resend_delivery(None, failed)
    assert refused.value.code == "bad_state"
    assert refused.value.message.startswith("这条通知当前为“")


def test_addresses_are_masked_per_channel() -> None:
    assert masked_address("email", "zuoqu@example.edu.cn") == "z***@example.edu.cn"
    assert masked_address("qq", "123456789") == "123***89"
    hook = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=secret"
    assert masked_address("wecom", hook) == "https://qyapi.weixin.qq.com/…key=***"
    assert masked_address("email", "") == ""
