"""Unregistered groups over the REST API: listed in scope, registered, dismissed and reopened."""

from __future__ import annotations

import pytest

from qunguan.auditlog.events import AuditEvent
from qunguan.auditlog.models import AuditLogEntry
from qunguan.registry.models import Group
from qunguan.unregistered.actions import Sighting, do_dismiss_unregistered_group, note_sightings
from qunguan.unregistered.models import SightingStatus, UnregisteredGroup

URL = "/api/unregistered"


@pytest.fixture
def rows(cast, seen):
    """One group seen by 作曲系's import, one by 声乐系's, one by the gateway (no unit)."""
    (by_bot,) = note_sightings([Sighting("qq", "770000003", "机器人所在群")], source="gateway", bot="10000")
    return {
        "A": seen(cast.manager_a, "770000001", "作曲系兴趣群"),
        "B": seen(cast.manager_b, "770000002"),
        "bot": by_bot,
    }


def accounts(response) -> list[str]:
    assert response.status_code == 200, response.content
    return sorted(item["account"] for item in response.json()["items"])


def test_unit_managers_list_the_unregistered_groups_of_their_own_units_only(cast, rows, api_as):
    assert accounts(api_as(cast.manager_a).get(URL)) == ["770000001"]
    assert accounts(api_as(cast.manager_b).get(URL)) == ["770000002"]
    assert accounts(api_as(cast.head_a).get(URL)) == ["770000001"]
    assert accounts(api_as(cast.outsider).get(URL)) == []
    assert accounts(api_as(cast.group_admin).get(URL)) == []


def test_the_supervisor_lists_every_unregistered_group_including_those_of_no_unit(cast, rows, api_as):
    page = api_as(cast.supervisor).get(URL).json()
    assert page["total"] == 3
    bot = next(i for i in page["items"] if i["account"] == "770000003")
    assert (bot["unit"], bot["source"], bot["source_label"], bot["bot"]) == (
        None,
        "gateway",
        "机器人同步",
        "10000",
    )


def test_a_unit_manager_cannot_see_a_sibling_units_unregistered_group(cast, rows, api_as):
    response = api_as(cast.manager_a).get(f"{URL}/{rows['B'].pk}")
    assert response.status_code == 404
    assert response.json() == {
        "code": "not_found",
        "message": "对象不存在，或不在您的管理范围内。",
        "field": None,
    }
    assert api_as(cast.manager_a).get(f"{URL}/{rows['bot'].pk}").status_code == 404
    detail = api_as(cast.manager_a).get(f"{URL}/{rows['A'].pk}").json()
    assert (detail["label"], detail["status"], detail["may_resolve"]) == (
        "作曲系兴趣群（QQ群 770000001）",
        "open",
        True,
    )


def test_registering_through_the_api_puts_the_group_in_the_registry(cast, rows, api_as):
    response = api_as(cast.manager_a).post(
        f"{URL}/{rows['A'].pk}/register",
        {"purpose": "作曲系教研交流", "member_scope": "作曲系教师", "owner_id": cast.teacher_a.pk},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    group = Group.objects.get(pk=body["group_id"])
    assert (group.name, group.account, group.unit, group.owner) == (
        "作曲系兴趣群",
        "770000001",
        cast.composition,
        cast.teacher_a,
    )
    assert (body["status"], body["may_resolve"]) == ("registered", False)
    assert AuditLogEntry.objects.filter(event_type=AuditEvent.UNREGISTERED_GROUP_REGISTERED).count() == 1


def test_a_group_of_no_unit_needs_a_unit_to_be_registered(cast, rows, api_as):
    response = api_as(cast.supervisor).post(f"{URL}/{rows['bot'].pk}/register", {})
    assert (response.status_code, response.json()["field"]) == (422, "unit_id")
    ok = api_as(cast.supervisor).post(f"{URL}/{rows['bot'].pk}/register", {"unit_id": cast.vocal.pk})
    assert ok.status_code == 201
    assert Group.objects.get(pk=ok.json()["group_id"]).unit == cast.vocal


def test_a_unit_head_sees_but_may_not_resolve(cast, rows, api_as):
    client = api_as(cast.head_a)
    assert client.get(f"{URL}/{rows['A'].pk}").json()["may_resolve"] is False
    assert client.post(f"{URL}/{rows['A'].pk}/dismiss", {"reason": "兴趣群"}).status_code == 403
    assert client.post(f"{URL}/{rows['A'].pk}/register", {}).status_code == 403
    assert (
        api_as(cast.manager_b).post(f"{URL}/{rows['A'].pk}/dismiss", {"reason": "兴趣群"}).status_code == 404
    )


def test_dismissing_needs_a_reason_and_a_dismissed_group_can_be_reopened(cast, rows, api_as):
    client = api_as(cast.manager_a)
    url = f"{URL}/{rows['A'].pk}"
    assert client.post(f"{url}/dismiss", {"reason": ""}).status_code == 422
    dismissed = client.post(f"{url}/dismiss", {"reason": "个人兴趣群，与工作无关"}).json()
    assert (dismissed["status"], dismissed["reason"]) == ("not_work", "个人兴趣群，与工作无关")
    assert accounts(client.get(URL)) == []
    assert accounts(client.get(URL, status="not_work")) == ["770000001"]

    reopened = client.post(f"{url}/reopen", {"note": "实为教研工作群"})
    assert reopened.status_code == 200, reopened.content
    assert (reopened.json()["status"], reopened.json()["reason"]) == ("open", "")
    entry = AuditLogEntry.objects.get(event_type=AuditEvent.UNREGISTERED_GROUP_REOPENED)
    assert (
        entry.summary
        == "重新打开未登记群组“作曲系兴趣群（QQ群 770000001）”（原认定为非工作群：个人兴趣群，与工作无关）：实为教研工作群"
    )
    assert accounts(client.get(URL)) == ["770000001"]


def test_only_a_group_marked_not_work_can_be_reopened(cast, rows, api_as):
    response = api_as(cast.manager_a).post(f"{URL}/{rows['A'].pk}/reopen")
    assert response.status_code == 422
    assert response.json()["code"] == "bad_state"
    assert response.json()["message"] == (
        "只有认定为非工作群的未登记群组可以重新打开，“作曲系兴趣群（QQ群 770000001）”当前为待处理。"
    )
    do_dismiss_unregistered_group(cast.manager_a, rows["A"], reason="兴趣群")
    assert api_as(cast.manager_b).post(f"{URL}/{rows['A'].pk}/reopen").status_code == 404
    assert api_as(cast.head_a).post(f"{URL}/{rows['A'].pk}/reopen").status_code == 403
    assert UnregisteredGroup.objects.get(pk=rows["A"].pk).status == SightingStatus.NOT_WORK
