"""Dissolved groups (解散): out of the active registry, findable under “已解散” with their evidence,
restorable only within QUNGUAN_RESTORE_DAYS."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from qunguan.registry import actions
from qunguan.registry.checks import run_checks
from qunguan.registry.errors import RegistryError
from qunguan.registry.models import Group, GroupStatus

EVIDENCE = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"


@pytest.fixture
def dissolved(cast, settings):
    settings.QUNGUAN_RESTORE_DAYS = 30
    # over 150: a breach that must not count once the group is dissolved
    actions.do_update_group(None, cast.group_b, member_count=180)
    return actions.do_dissolve_group(
        cast.manager_b,
        cast.group_b,
        on=dt.date(2026, 3, 1),
        reason="工作结束",
        evidence=SimpleUploadedFile("解散截图.pdf", EVIDENCE),
    )


def test_restoring_within_the_window_brings_the_group_back(cast, dissolved):
    group = actions.do_restore_group(cast.manager_b, dissolved, today=dt.date(2026, 3, 31))
    assert group.status == GroupStatus.ACTIVE
    assert group.dissolved_on is None


def test_restoring_after_the_window_is_refused_in_chinese(cast, dissolved):
    with pytest.raises(RegistryError) as exc:
        actions.do_restore_group(cast.manager_b, dissolved, today=dt.date(2026, 4, 1))
    assert exc.value.message == (
        "群组“声乐系工作群”已于 2026-03-01 解散，超过 30 天的恢复期限（2026-03-31），不能再恢复。"
    )
    dissolved.refresh_from_db()
    assert dissolved.status == GroupStatus.DISSOLVED


def test_the_window_follows_the_setting(cast, dissolved, settings):
    settings.QUNGUAN_RESTORE_DAYS = 7
    with pytest.raises(RegistryError, match="超过 7 天的恢复期限（2026-03-08）"):
        actions.do_restore_group(cast.manager_b, dissolved, today=dt.date(2026, 3, 9))


def test_a_dissolved_group_leaves_the_checks(cast, dissolved):
    breaches = run_checks(Group.objects.all(), today=dt.date(2026, 4, 2))
    assert cast.group_b.pk not in {b.group_id for b in breaches}


def test_a_dissolved_group_leaves_the_default_list_and_the_dashboard_counts(cast, dissolved, client):
    client.force_login(cast.manager_b)
    listed = client.get(reverse("group_list")).content.decode()
    assert "声乐系工作群" not in listed
    dashboard = client.get(reverse("dashboard"))
    assert dashboard.context["total_groups"] == 0
    assert dashboard.context["dissolved_groups"] == 1


def test_a_dissolved_group_is_found_under_the_dissolved_filter_with_its_evidence(cast, dissolved, client):
    client.force_login(cast.manager_b)
    found = client.get(reverse("group_list"), {"status": "dissolved"}).content.decode()
    assert "声乐系工作群" in found
    evidence = client.get(reverse("group_dissolution_evidence", args=[dissolved.pk]))
    assert evidence.status_code == 200
    assert b"".join(evidence.streaming_content) == EVIDENCE


def test_the_dissolved_filter_is_scoped(cast, dissolved, client):
    client.force_login(cast.manager_a)
    found = client.get(reverse("group_list"), {"status": "dissolved"}).content.decode()
    assert "声乐系工作群" not in found
    assert client.get(reverse("group_dissolution_evidence", args=[dissolved.pk])).status_code == 404


def test_after_the_window_the_page_offers_no_restore_and_a_post_is_refused(cast, client, settings):
    settings.QUNGUAN_RESTORE_DAYS = 30
    long_ago = timezone.localdate() - dt.timedelta(days=31)
    group = actions.do_dissolve_group(cast.manager_b, cast.group_b, on=long_ago, reason="停用")
    client.force_login(cast.manager_b)
    page = client.get(reverse("group_dissolution", args=[group.pk])).content.decode()
    assert 'id="restore"' not in page
    assert "不能再恢复" in page
    refused = client.post(reverse("group_restore", args=[group.pk]), follow=True)
    assert "超过 30 天的恢复期限" in refused.content.decode()
    group.refresh_from_db()
    assert group.status == GroupStatus.DISSOLVED


def test_the_api_refuses_a_restore_after_the_window(cast, client, settings):
    settings.QUNGUAN_RESTORE_DAYS = 30
    long_ago = timezone.localdate() - dt.timedelta(days=31)
    group = actions.do_dissolve_group(cast.manager_b, cast.group_b, on=long_ago, reason="停用")
    client.force_login(cast.manager_b)
    refused = client.post(f"/api/groups/{group.pk}/restore", content_type="application/json")
    assert refused.status_code == 422
    assert "不能再恢复" in refused.json()["message"]
