"""/api/bots and /api/sanctions: bots scoped by the groups a caller sees; sanctions for 宣传部 alone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from qunguan.auditlog.events import AuditEvent
from qunguan.auditlog.models import AuditLogEntry
from qunguan.gateway import presence
from qunguan.gateway.models import GatewayAction, Sanction
from qunguan.gateway.sync import SeenGroup, record_sync
from tests.api.conftest import ApiClient


@pytest.fixture
def bots(cast: Any) -> None:
    """Bot 10001 sits in 作曲系's registered group and in a group the registry lacks; bot 10002
    sits only in the unregistered one. Both recorded the way the gateway records them."""
    presence.mark_connected("10001", "reverse")
    record_sync(
        "10001",
        [SeenGroup(cast.group_a.account, "作曲系教职工群", 46), SeenGroup("777000111", "作曲系闲聊群", 12)],
    )
    record_sync("10002", [SeenGroup("777000111", "作曲系闲聊群", 12)])


def test_the_supervisor_sees_every_bot_with_presence_and_groups(
    bots: None, cast: Any, api_as: Callable[[Any], ApiClient]
) -> None:
    response = api_as(cast.supervisor).get("/api/bots")
    assert response.status_code == 200
    listed = {b["self_id"]: b for b in response.json()}
    assert set(listed) == {"10001", "10002"}
    assert listed["10001"]["connected"] is True
    assert listed["10001"]["transport"] == "reverse"
    assert listed["10002"]["connected"] is False
    groups = {g["account"]: g for g in listed["10001"]["groups"]}
    assert groups[cast.group_a.account]["group"] == {"id": cast.group_a.pk, "name": "作曲系教职工群"}
    assert groups[cast.group_a.account]["member_count"] == 46
    assert groups["777000111"]["group"] is None


def test_a_unit_manager_sees_only_bots_in_their_groups_and_only_those_groups(
    bots: None, cast: Any, api_as: Callable[[Any], ApiClient]
) -> None:
    (bot,) = api_as(cast.manager_a).get("/api/bots").json()
    assert bot["self_id"] == "10001"
    assert [g["account"] for g in bot["groups"]] == [cast.group_a.account]  # not the unregistered one


def test_a_manager_of_a_sibling_unit_sees_no_bot(
    bots: None, cast: Any, api_as: Callable[[Any], ApiClient]
) -> None:
    assert api_as(cast.manager_b).get("/api/bots").json() == []
    assert api_as(cast.outsider).get("/api/bots").json() == []


def test_the_supervisor_applies_a_sanction_in_every_group_a_bot_manages(
    bots: None, cast: Any, api_as: Callable[[Any], ApiClient]
) -> None:
    response = api_as(cast.supervisor).post(
        "/api/sanctions", {"qq": "20001", "kind": "mute", "minutes": 60, "reason": "多次发布他人身份证号"}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind_label"] == "全校禁言"
    assert body["created_by"] == "xcb"
    assert body["actions"] == {"排队等待网关发送": 1}  # the one registered group
    action = GatewayAction.objects.get(sanction_id=body["id"])
    assert action.params == {"group_id": int(cast.group_a.account), "user_id": 20001, "duration": 3600}
    entry = AuditLogEntry.objects.get(event_type=AuditEvent.GATEWAY_SANCTION_APPLIED)
    assert "多次发布他人身份证号" in entry.summary
    listed = api_as(cast.supervisor).get("/api/sanctions").json()
    assert [s["qq"] for s in listed] == ["20001"]


def test_a_sanction_without_a_reason_is_refused_naming_the_field(
    bots: None, cast: Any, api_as: Callable[[Any], ApiClient]
) -> None:
    response = api_as(cast.supervisor).post("/api/sanctions", {"qq": "20001", "kind": "kick", "reason": "  "})
    assert response.status_code == 422
    assert response.json() == {"code": "invalid", "message": "请写明处置理由", "field": "reason"}
    assert not Sanction.objects.exists()


def test_the_supervisor_lifts_a_sanction_with_a_reason(
    bots: None, cast: Any, api_as: Callable[[Any], ApiClient]
) -> None:
    client = api_as(cast.supervisor)
    made = client.post(
        "/api/sanctions", {"qq": "20001", "kind": "mute", "minutes": 10, "reason": "刷屏"}
    ).json()
    lifted = client.post(f"/api/sanctions/{made['id']}/lift", {"reason": "已核实为误判"})
    assert lifted.status_code == 200
    assert lifted.json()["lift_reason"] == "已核实为误判"
    assert lifted.json()["lifted_by"] == "xcb"
    again = client.post(f"/api/sanctions/{made['id']}/lift", {"reason": "再次解除"})
    assert again.status_code == 422
    assert again.json()["code"] == "bad_state"


@pytest.mark.parametrize("who", ["manager_a", "head_a", "group_admin", "outsider"])
def test_nobody_but_the_supervisor_may_list_apply_or_lift_sanctions(
    bots: None, cast: Any, api_as: Callable[[Any], ApiClient], who: str
) -> None:
    from qunguan.gateway.actions import do_apply_sanction

    sanction = do_apply_sanction(cast.supervisor, qq="20001", kind="kick", reason="冒用身份")
    client = api_as(getattr(cast, who))
    assert client.get("/api/sanctions").status_code == 403
    refused = client.post("/api/sanctions", {"qq": "20002", "kind": "kick", "reason": "刷屏"})
    assert refused.status_code == 403
    assert refused.json()["message"] == "只有党委宣传部可以查看和实施全校联动处置。"
    assert client.post(f"/api/sanctions/{sanction.pk}/lift", {"reason": "已核实"}).status_code == 403
    assert Sanction.objects.get(pk=sanction.pk).lifted_at is None
