"""/api/notifications: the caller's own inbox, unread count, marking read, preferences, and the
failed sendings a liaison or 宣传部 looks after."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from qunguan.auditlog.events import AuditEvent
from qunguan.auditlog.models import AuditLogEntry
from qunguan.notify.actions import do_notify
from qunguan.notify.models import Delivery, DeliveryState, Preference
from tests.api.conftest import ApiClient
from tests.notify.failing import failed_delivery


def _put(client: ApiClient, url: str, body: Any) -> Any:
    return client.client.put(url, json.dumps(body), content_type="application/json")


def test_the_inbox_lists_only_the_callers_notices_with_the_unread_count(
    cast: Any, api_as: Callable[[Any], ApiClient]
) -> None:
    do_notify([cast.manager_a], subject="请核对本单位群组", body="请尽快核对。", severity="medium")
    do_notify([cast.manager_a], subject="审批已通过", body="")
    do_notify([cast.manager_b], subject="声乐系的通知", body="")
    client = api_as(cast.manager_a)
    page = client.get("/api/notifications").json()
    assert page["total"] == 2
    assert page["unread"] == 2
    assert [n["subject"] for n in page["items"]] == ["审批已通过", "请核对本单位群组"]
    assert page["items"][1]["severity_label"] == "较重要"
    assert client.get("/api/notifications/unread-count").json() == {"unread": 2}


def test_marking_one_read_and_then_all(cast: Any, api_as: Callable[[Any], ApiClient]) -> None:
    first, second = (do_notify([cast.manager_a], subject=s, body="")[0] for s in ("一", "二"))
    client = api_as(cast.manager_a)
    read = client.post(f"/api/notifications/{first.pk}/read")
    assert read.status_code == 200
    assert read.json()["read_at"] is not None
    assert client.get("/api/notifications", unread="true").json()["total"] == 1
    assert client.post("/api/notifications/read-all").json() == {"changed": 1}
    assert client.get("/api/notifications/unread-count").json() == {"unread": 0}
    assert second.pk


def test_anothers_notice_is_not_found_like_a_missing_one(
    cast: Any, api_as: Callable[[Any], ApiClient]
) -> None:
    (theirs,) = do_notify([cast.manager_b], subject="声乐系的通知", body="")
    client = api_as(cast.manager_a)
    for response in (
        client.get(f"/api/notifications/{theirs.pk}"),
        client.post(f"/api/notifications/{theirs.pk}/read"),
        client.get("/api/notifications/999999"),
    ):
        assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_preferences_are_read_and_changed_by_their_owner(
    cast: Any, api_as: Callable[[Any], ApiClient]
) -> None:
    client = api_as(cast.manager_a)
    before = client.get("/api/notifications/preferences").json()
    assert [c["name"] for c in before["channels"] if c["chosen"]] == ["inbox"]
    changed = _put(
        client,
        "/api/notifications/preferences",
        {
            "channels": ["email", "qq"],
            "email": "zuoqu@example.edu.cn",
            "qq": "123456789",
            "medium_immediate": True,
        },
    )
    assert changed.status_code == 200, changed.content
    assert [c["name"] for c in changed.json()["channels"] if c["chosen"]] == ["inbox", "email", "qq"]
    assert changed.json()["medium_immediate"] is True
    assert Preference.objects.get(user=cast.manager_a).qq == "123456789"
    assert AuditLogEntry.objects.filter(event_type=AuditEvent.NOTIFY_PREFERENCES_CHANGED).count() == 1


def test_a_chosen_channel_without_an_address_is_refused_naming_the_field(
    cast: Any, api_as: Callable[[Any], ApiClient]
) -> None:
    response = _put(api_as(cast.manager_a), "/api/notifications/preferences", {"channels": ["qq"]})
    assert response.status_code == 422
    assert response.json() == {
        "code": "invalid",
        "message": "选择了“QQ私聊（经机器人）”，但未填写地址",
        "field": "qq",
    }


def test_the_robot_address_is_never_returned_and_kept_when_left_empty(
    cast: Any, api_as: Callable[[Any], ApiClient]
) -> None:
    client = api_as(cast.manager_a)
    hook = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=secret-key"
    first = _put(client, "/api/notifications/preferences", {"channels": ["wecom"], "wecom_webhook": hook})
    assert first.json()["wecom_webhook_set"] is True
    assert "secret-key" not in first.content.decode()
    again = _put(client, "/api/notifications/preferences", {"channels": ["wecom"], "medium_immediate": True})
    assert again.status_code == 200
    assert Preference.objects.get(user=cast.manager_a).wecom_webhook == hook


def test_a_liaison_lists_the_failed_sendings_of_their_people_masked(
    cast: Any, api_as: Callable[[Any], ApiClient]
) -> None:
    mine = failed_delivery(cast.head_a)  # 作曲系's head
    failed_delivery(cast.manager_b)  # 声乐系's liaison
    listed = api_as(cast.manager_a).get("/api/notifications/failed-deliveries").json()
    assert [row["id"] for row in listed] == [mine.pk]
    row = listed[0]
    assert row["address"] == "123***89"
    assert row["channel_label"] == "QQ私聊（经机器人）"
    assert row["error"] == "QQ 私聊发送失败：retcode=100 对方不是机器人的好友"
    assert row["attempts"] == 1
    assert len(api_as(cast.supervisor).get("/api/notifications/failed-deliveries").json()) == 2


def test_resending_puts_the_sending_back_in_the_queue_once(
    cast: Any, api_as: Callable[[Any], ApiClient]
) -> None:
    failed = failed_delivery(cast.head_a)
    client = api_as(cast.manager_a)
    response = client.post(f"/api/notifications/failed-deliveries/{failed.pk}/resend")
    assert response.status_code == 200
    failed.refresh_from_db()
    # no gateway runs in this process: the QQ message now waits for one, with fresh attempts
    assert failed.state in (DeliveryState.PENDING, DeliveryState.WAITING_GATEWAY)
    assert failed.attempts == 0
    entry = AuditLogEntry.objects.get(event_type=AuditEvent.NOTIFY_DELIVERY_RESENT)
    assert entry.before["attempts"] == 1
    assert client.post(f"/api/notifications/failed-deliveries/{failed.pk}/resend").status_code == 404


def test_sibling_liaisons_and_other_roles_cannot_resend(
    cast: Any, api_as: Callable[[Any], ApiClient]
) -> None:
    failed = failed_delivery(cast.head_a)
    assert (
        api_as(cast.manager_b).post(f"/api/notifications/failed-deliveries/{failed.pk}/resend").status_code
        == 404
    )
    for user in (cast.head_a, cast.group_admin, cast.outsider):
        client = api_as(user)
        assert client.get("/api/notifications/failed-deliveries").status_code == 403
        assert client.post(f"/api/notifications/failed-deliveries/{failed.pk}/resend").status_code == 403
    assert Delivery.objects.get(pk=failed.pk).state == DeliveryState.FAILED
