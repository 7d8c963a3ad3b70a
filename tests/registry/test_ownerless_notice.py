"""Ownerless groups (1(2)): when an owner or admin has left, the unit is asked to start a handover."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from qunguan.approvals import actions as approval_actions
from qunguan.notify.models import Notification
from qunguan.registry import actions
from qunguan.registry.checks import run_checks
from qunguan.registry.models import Group
from qunguan.scheduler import jobs
from qunguan.scheduler.runner import run_due

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
SUBJECT = "群组“作曲系教职工群”需要转交群主/管理员"


def beijing(month: int, day: int, hour: int = 6, minute: int = 30) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def handover_notices(user) -> list[Notification]:
    return list(
        Notification.objects.filter(recipient=user, key__startswith="handover-needed-").order_by("pk")
    )


def owner_leaves(cast) -> None:
    actions.do_update_person(None, cast.teacher_a, active=False)  # 王建国 retires


def test_the_daily_check_asks_the_units_liaison_and_head_to_start_a_handover(cast):
    owner_leaves(cast)
    [breach] = run_checks(Group.objects.filter(pk=cast.group_a.pk), kinds=["needs_handover"])
    assert breach.group_id == cast.group_a.pk

    jobs.registry_checks(beijing(3, 2))

    for user in (cast.manager_a, cast.head_a):
        [notice] = handover_notices(user)
        assert notice.subject == SUBJECT
        assert "群主王建国已不在校/在岗" in notice.body
        assert notice.link == f"/approvals/new/?group={cast.group_a.pk}&kind=handover"
    assert handover_notices(cast.manager_b) == []
    assert handover_notices(cast.supervisor) == []


def test_the_notice_is_sent_once_per_group_and_person_who_left(cast):
    owner_leaves(cast)
    jobs.registry_checks(beijing(3, 2))
    jobs.registry_checks(beijing(3, 3))
    run_due(beijing(3, 4, 7), only=["registry_checks"])
    assert len(handover_notices(cast.manager_a)) == 1

    # a second person leaving (an admin) brings a notice of its own
    deputy = actions.do_create_person(
        None, number="T1002", name="赵副主任", kind="staff", unit=cast.composition
    )
    actions.do_update_group(None, cast.group_a, admins=[cast.teacher_a, deputy])
    actions.do_update_person(None, deputy, active=False)
    jobs.registry_checks(beijing(3, 5))
    assert [n.key for n in handover_notices(cast.manager_a)] == [
        f"handover-needed-{cast.group_a.pk}-{cast.teacher_a.pk}",
        f"handover-needed-{cast.group_a.pk}-{deputy.pk}",
    ]


def test_no_notice_while_a_handover_request_is_under_way(cast):
    owner_leaves(cast)
    approval_actions.do_create_request(cast.manager_a, cast.group_a, kind="handover", reason="王建国退休")
    jobs.registry_checks(beijing(3, 2))
    assert handover_notices(cast.manager_a) == []


def test_no_notice_for_a_dissolved_group(cast):
    owner_leaves(cast)
    actions.do_dissolve_group(cast.manager_a, cast.group_a, on=dt.date(2026, 3, 1), reason="停用")
    jobs.registry_checks(beijing(3, 2))
    assert handover_notices(cast.manager_a) == []


def test_the_notices_link_opens_a_prefilled_handover_request(cast, client):
    deputy = actions.do_create_person(
        None, number="T1002", name="赵副主任", kind="staff", unit=cast.composition
    )
    actions.do_update_group(None, cast.group_a, admins=[cast.teacher_a, deputy])
    owner_leaves(cast)
    jobs.registry_checks(beijing(3, 2))
    [notice] = handover_notices(cast.manager_a)

    client.force_login(cast.manager_a)
    page = client.get(notice.link)
    assert page.status_code == 200
    form = page.context["form"]
    assert form.initial["kind"] == "handover"
    assert form.initial["reason"] == (
        "群组“作曲系教职工群”的群主王建国已不在校/在岗，申请将群主/管理员转交给本单位在岗人员。"
    )
    assert form.initial["new_admins"] == [deputy.pk]


def test_a_unit_manager_of_a_sibling_unit_cannot_open_the_link(cast, client):
    owner_leaves(cast)
    jobs.registry_checks(beijing(3, 2))
    [notice] = handover_notices(cast.manager_a)
    client.force_login(cast.manager_b)
    assert client.get(notice.link).status_code == 404
