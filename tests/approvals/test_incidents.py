"""Account incidents (账号事件, 3(6)): anyone reports, the account is flagged in every group it is
in, the admins are told, and the incident has a state until closed."""

from __future__ import annotations

import pytest
from django.urls import reverse

from qunguan.accounts.actions import do_grant_role
from qunguan.accounts.models import Role
from qunguan.auditlog.events import AuditEvent
from qunguan.auditlog.log import entries_for
from qunguan.incidents.access import visible_incidents
from qunguan.incidents.actions import do_report_incident, do_set_incident_state
from qunguan.incidents.models import IncidentState
from qunguan.members.actions import do_import_members
from qunguan.notify.models import Notification
from qunguan.registry.checks import run_checks
from qunguan.registry.errors import RegistryError
from qunguan.registry.models import Group
from tests.members.helpers import COMPOSITION_MEMBERS, write_members

pytestmark = pytest.mark.django_db

STOLEN = "10001002"  # 张小明's QQ in the 作曲系 member list


@pytest.fixture
def with_members(cast, tmp_path):
    do_import_members(cast.manager_a, cast.group_a, write_members(tmp_path / "m.csv", COMPOSITION_MEMBERS))
    return cast


def incident_breaches():
    return {b.group_id: b.detail for b in run_checks(Group.objects.all()) if b.kind == "account_incident"}


def test_anyone_logged_in_reports_and_the_account_is_flagged_in_its_groups(with_members):
    cast = with_members
    incident = do_report_incident(
        cast.outsider, platform="qq", account=STOLEN, kind="stolen", description="手机丢失"
    )
    assert list(incident.groups.all()) == [cast.group_a]
    assert incident.state == IncidentState.OPEN
    assert incident_breaches() == {
        cast.group_a.pk: f"账号事件未结：QQ {STOLEN}（账号被盗），请核实并提醒群成员"
    }
    entry = entries_for("accountincident", incident.pk).first()
    assert entry.event_type == AuditEvent.ACCOUNT_INCIDENT_REPORTED
    assert entry.after["groups"] == [cast.group_a.pk]


def test_admins_liaisons_and_supervisor_are_notified(with_members):
    cast = with_members
    do_report_incident(cast.outsider, platform="qq", account=STOLEN, kind="lent")
    told = set(Notification.objects.values_list("recipient__username", flat=True))
    assert told == {"qunzhu", "zuoqu", "xcb"}
    assert Notification.objects.filter(severity="high").count() == 3


def test_a_wechat_report_does_not_flag_a_qq_group(with_members):
    cast = with_members
    do_report_incident(cast.outsider, platform="wechat", account=STOLEN, kind="lost")
    assert incident_breaches() == {}


def test_flag_clears_when_the_incident_is_closed(with_members):
    cast = with_members
    incident = do_report_incident(cast.outsider, platform="qq", account=STOLEN, kind="stolen")
    do_set_incident_state(cast.manager_a, incident, state="handling")
    assert cast.group_a.pk in incident_breaches()
    with pytest.raises(RegistryError, match="关闭事件须填写处理结果。"):
        do_set_incident_state(cast.manager_a, incident, state="closed")
    do_set_incident_state(cast.manager_a, incident, state="closed", resolution="已找回账号并修改密码")
    assert incident.state == IncidentState.CLOSED
    assert incident_breaches() == {}
    assert Notification.objects.filter(recipient=cast.outsider, subject__startswith="账号事件已关闭").exists()
    with pytest.raises(RegistryError, match="该事件已关闭。"):
        do_set_incident_state(cast.manager_a, incident, state="handling")


def test_only_supervisor_or_a_liaison_of_a_flagged_group_handles_it(with_members):
    cast = with_members
    incident = do_report_incident(cast.outsider, platform="qq", account=STOLEN, kind="stolen")
    for user in (cast.manager_b, cast.outsider, cast.head_a):
        with pytest.raises(RegistryError) as err:
            do_set_incident_state(user, incident, state="handling")
        assert err.value.code == "out_of_scope"
    do_set_incident_state(cast.supervisor, incident, state="handling")


def test_incidents_are_visible_to_the_reporter_and_within_scope(with_members):
    cast = with_members
    incident = do_report_incident(cast.outsider, platform="qq", account=STOLEN, kind="stolen")
    assert list(visible_incidents(cast.outsider)) == [incident]
    assert list(visible_incidents(cast.manager_a)) == [incident]
    assert list(visible_incidents(cast.group_admin)) == [incident]
    assert list(visible_incidents(cast.manager_b)) == []


@pytest.mark.parametrize(
    ("platform", "account", "kind", "message"),
    [
        ("qq", "12a45", "lost", "QQ号须为 5–12 位数字。"),
        ("qq", "0123456", "lost", "QQ号须为 5–12 位数字。"),
        ("wechat", "ab", "lost", "微信号须为 5–64 位字母、数字、下划线或减号。"),
        ("weibo", "12345678", "lost", "平台须为 QQ 或微信。"),
        ("qq", "12345678", "sold", "情况须为密码遗失、账号被盗或账号出借。"),
    ],
)
def test_bad_reports_are_refused_with_a_clear_message(cast, platform, account, kind, message):
    with pytest.raises(RegistryError) as err:
        do_report_incident(cast.outsider, platform=platform, account=account, kind=kind)
    assert err.value.message == message


def test_report_and_handle_through_the_pages(with_members, client_for):
    cast = with_members
    response = client_for(cast.outsider).post(
        reverse("incident_report"), {"platform": "qq", "account": STOLEN, "kind": "stolen", "description": ""}
    )
    assert response.status_code == 302
    detail = response.url
    outsider_page = client_for(cast.outsider).get(detail).content.decode()
    assert "作曲系教职工群" not in outsider_page
    manager = client_for(cast.manager_a)
    assert "作曲系教职工群" in manager.get(detail).content.decode()
    manager.post(detail, {"state": "closed", "resolution": "已移出群并提醒成员"})
    assert "已关闭" in manager.get(detail).content.decode()
    assert client_for(cast.manager_b).get(detail).status_code == 404


def test_seeing_an_incident_page_does_not_let_one_handle_it(with_members, client_for):
    cast = with_members
    incident = do_report_incident(cast.outsider, platform="qq", account=STOLEN, kind="stolen")
    detail = reverse("incident_detail", args=[incident.pk])
    for user in (cast.outsider, cast.group_admin, cast.head_a):
        response = client_for(user).post(detail, {"state": "closed", "resolution": "已处理"})
        assert response.status_code == 403
    incident.refresh_from_db()
    assert incident.state == IncidentState.OPEN


def test_group_admin_of_another_group_is_not_notified(with_members):
    cast = with_members
    do_grant_role(None, cast.outsider, Role.GROUP_ADMIN, group=cast.group_b)
    do_report_incident(cast.manager_a, platform="qq", account=STOLEN, kind="stolen")
    assert not Notification.objects.filter(recipient=cast.outsider).exists()
