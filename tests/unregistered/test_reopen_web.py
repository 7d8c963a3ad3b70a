"""A group marked "not a work group" by mistake is reopened from its page; the breach returns."""

from __future__ import annotations

from django.urls import reverse

from qunguan.auditlog.events import AuditEvent
from qunguan.auditlog.models import AuditLogEntry
from qunguan.registry.checks import run_checks
from qunguan.registry.models import Group
from qunguan.unregistered.access import visible_unregistered
from qunguan.unregistered.actions import do_dismiss_unregistered_group
from qunguan.unregistered.models import SightingStatus, UnregisteredGroup


def test_a_unit_manager_reopens_a_dismissed_group_from_its_page(cast, seen, web_as):
    row = do_dismiss_unregistered_group(cast.manager_a, seen(cast.manager_a, "770000001"), reason="兴趣群")
    client = web_as(cast.manager_a)
    page = client.get(reverse("unregistered_detail", args=[row.pk])).content.decode()
    assert "认定有误，重新打开" in page
    response = client.post(reverse("unregistered_reopen", args=[row.pk]), {"note": "实为工作群"}, follow=True)
    assert "已重新打开，该群重新列入待处理的未登记群组。" in response.content.decode()
    assert UnregisteredGroup.objects.get(pk=row.pk).status == SightingStatus.OPEN
    assert AuditLogEntry.objects.filter(event_type=AuditEvent.UNREGISTERED_GROUP_REOPENED).count() == 1
    breaches = run_checks(Group.objects.none(), unregistered=visible_unregistered(cast.manager_a))
    assert [b.kind for b in breaches] == ["unregistered_group"]


def test_the_reopen_button_is_only_for_those_who_may_resolve(cast, seen, web_as):
    row = do_dismiss_unregistered_group(cast.manager_a, seen(cast.manager_a, "770000001"), reason="兴趣群")
    page = web_as(cast.head_a).get(reverse("unregistered_detail", args=[row.pk])).content.decode()
    assert "认定有误，重新打开" not in page
    assert web_as(cast.head_a).post(reverse("unregistered_reopen", args=[row.pk])).status_code == 403
    assert web_as(cast.manager_b).post(reverse("unregistered_reopen", args=[row.pk])).status_code == 404
    assert UnregisteredGroup.objects.get(pk=row.pk).status == SightingStatus.NOT_WORK


def test_an_open_group_cannot_be_reopened(cast, seen, web_as):
    row = seen(cast.manager_a, "770000001")
    response = web_as(cast.manager_a).post(reverse("unregistered_reopen", args=[row.pk]), follow=True)
    assert "只有认定为非工作群的未登记群组可以重新打开" in response.content.decode()
    assert not AuditLogEntry.objects.filter(event_type=AuditEvent.UNREGISTERED_GROUP_REOPENED).exists()
