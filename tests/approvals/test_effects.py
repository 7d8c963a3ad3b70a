"""What an approval changes: handovers move the registry, official requests mark the group,
retention keeps a temporary group past its end date; dissolutions, restores, reminders and
ownerless groups."""

from __future__ import annotations

import datetime as dt

import pytest

from qunguan.approvals import actions
from qunguan.auditlog.events import AuditEvent
from qunguan.auditlog.log import entries_for
from qunguan.registry import actions as registry
from qunguan.registry.checks import due_reminders, run_checks
from qunguan.registry.errors import RegistryError
from qunguan.registry.models import Group, GroupStatus
from tests.approvals.conftest import PNG, scan

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 6, 10)


def approve(cast, approval):
    actions.do_submit_request(cast.manager_a, approval)
    return actions.do_approve_request(cast.head_a, approval)


def breaches(group, today=TODAY):
    return {b.kind: b.detail for b in run_checks(Group.objects.filter(pk=group.pk), today=today)}


def temporary_group(cast, *, end=dt.date(2025, 6, 1), account="600100777", name="2025届毕业演出工作群"):
    return registry.do_register_group(
        None,
        platform="qq",
        account=account,
        name=name,
        unit=cast.composition,
        member_scope="演出工作人员",
        purpose="毕业演出筹备",
        owner=cast.teacher_a,
        status=GroupStatus.TEMPORARY,
        end_date=end,
        member_count=30,
        admins=[cast.teacher_a],
    )


def test_approved_handover_changes_owner_and_admins_with_history(cast):
    newcomer = registry.do_create_person(
        None, number="T1002", name="赵敏", kind="staff", unit=cast.composition
    )
    approval = actions.do_create_request(
        cast.manager_a,
        cast.group_a,
        kind="handover",
        reason="王建国老师调任，群主转交赵敏",
        new_owner=newcomer,
        new_admins=[newcomer],
    )
    approve(cast, approval)
    cast.group_a.refresh_from_db()
    assert cast.group_a.owner == newcomer
    assert list(cast.group_a.admins.all()) == [newcomer]
    entry = entries_for("group", cast.group_a.pk).first()
    assert entry.event_type == AuditEvent.GROUP_HANDED_OVER
    assert entry.before == {"owner": cast.teacher_a.pk, "admins": [cast.teacher_a.pk]}
    assert entry.after == {"owner": newcomer.pk, "admins": [newcomer.pk], "approval": approval.pk}
    assert f"依据审批 #{approval.pk}" in entry.summary


def test_handover_needs_someone_to_hand_over_to(cast):
    approval = actions.do_create_request(cast.manager_a, cast.group_a, kind="handover", reason="转交")
    with pytest.raises(RegistryError, match="请填写新群主或新管理员。"):
        actions.do_submit_request(cast.manager_a, approval)


def test_handover_to_someone_who_has_left_is_refused(cast):
    gone = registry.do_create_person(
        None, number="T1003", name="钱多", kind="staff", unit=cast.composition, active=False
    )
    with pytest.raises(RegistryError, match="新群主钱多已不在校/在岗。"):
        actions.do_create_request(cast.manager_a, cast.group_a, kind="handover", reason="x", new_owner=gone)


def test_registry_handover_without_an_effective_approval_is_refused_to_a_head(cast):
    with pytest.raises(RegistryError):
        registry.do_handover_group(cast.head_a, cast.group_a, owner=cast.teacher_a)


def test_approved_official_request_marks_the_group_official(cast):
    group = temporary_group(cast, end=dt.date(2026, 1, 1))
    registry.do_update_group(None, cast.group_a, is_official=False)
    approval = actions.do_create_request(cast.manager_a, group, kind="official", reason="作曲系官方群")
    approve(cast, approval)
    group.refresh_from_db()
    assert group.is_official
    assert entries_for("group", group.pk).first().event_type == AuditEvent.GROUP_MARKED_OFFICIAL


def test_one_official_group_per_unit(cast):
    group = temporary_group(cast, end=dt.date(2026, 1, 1))
    with pytest.raises(RegistryError) as err:
        actions.do_create_request(cast.manager_a, group, kind="official", reason="再建一个")
    assert err.value.code == "duplicate_official"
    assert err.value.message == "“作曲系”已有官方群“作曲系教职工群”，每个单位只建一个官方群。"


def test_temporary_group_is_overdue_after_its_end_date_until_retained(cast):
    group = temporary_group(cast)
    assert breaches(group)["temporary_overdue"] == "工作已于 2025-06-01 结束，逾期 9 天未解散"
    approval = actions.do_create_request(
        cast.manager_a,
        group,
        kind="retention",
        reason="演出后仍需对接录像发放",
        supervising_person=cast.teacher_a,
        valid_until=dt.date(2025, 7, 31),
    )
    actions.do_revise_request(cast.manager_a, approval, supervising_person=None)
    with pytest.raises(RegistryError, match="保留临时群须指定专人监管。"):
        actions.do_submit_request(cast.manager_a, approval)
    actions.do_revise_request(cast.manager_a, approval, supervising_person=cast.teacher_a)
    approve(cast, approval)
    assert "temporary_overdue" not in breaches(group)
    # the retention runs out on its validity date
    assert "temporary_overdue" in breaches(group, today=dt.date(2025, 8, 1))


def test_retention_only_for_temporary_groups(cast):
    with pytest.raises(RegistryError, match="不是临时群，无需保留审批。"):
        actions.do_create_request(
            cast.manager_a, cast.group_a, kind="retention", reason="x", supervising_person=cast.teacher_a
        )


def test_dissolving_records_date_and_evidence_and_ends_the_overdue_breach(cast, settings):
    group = temporary_group(cast)
    registry.do_dissolve_group(
        cast.manager_a, group, on=TODAY, reason="演出结束", evidence=scan("解散截图.png", PNG)
    )
    group.refresh_from_db()
    assert group.status == GroupStatus.DISSOLVED
    assert group.dissolved_on == TODAY
    assert group.dissolution_evidence.path.startswith(str(settings.MEDIA_ROOT))
    assert breaches(group) == {}
    entry = entries_for("group", group.pk).first()
    assert entry.after["dissolution_evidence"].endswith(".png")
    assert entry.after["reason"] == "演出结束"


def test_dissolution_evidence_is_checked(cast):
    group = temporary_group(cast)
    with pytest.raises(RegistryError, match="文件内容不是真实的 PNG 文件"):
        registry.do_dissolve_group(cast.manager_a, group, on=TODAY, evidence=scan("截图.png", b"GIF89a"))
    group.refresh_from_db()
    assert group.status == GroupStatus.TEMPORARY


def test_dissolved_group_is_restorable_within_the_window(cast):
    group = temporary_group(cast)
    registry.do_dissolve_group(cast.manager_a, group, on=TODAY)
    registry.do_restore_group(cast.manager_a, group, today=TODAY + dt.timedelta(days=30))
    group.refresh_from_db()
    assert group.status == GroupStatus.TEMPORARY
    assert group.dissolved_on is None
    assert entries_for("group", group.pk).first().event_type == AuditEvent.GROUP_RESTORED


def test_restore_window_follows_the_setting(cast, settings):
    settings.QUNGUAN_RESTORE_DAYS = 7
    registry.do_dissolve_group(cast.manager_a, cast.group_a, on=TODAY)
    with pytest.raises(RegistryError) as err:
        registry.do_restore_group(cast.manager_a, cast.group_a, today=TODAY + dt.timedelta(days=8))
    assert err.value.message == (
        "群组“作曲系教职工群”已于 2025-06-10 解散，超过 7 天的恢复期限（2025-06-17），不能再恢复。"
    )


def test_restore_is_scoped(cast):
    registry.do_dissolve_group(cast.manager_a, cast.group_a, on=TODAY)
    with pytest.raises(RegistryError) as err:
        registry.do_restore_group(cast.manager_b, cast.group_a, today=TODAY)
    assert err.value.code == "out_of_scope"


def test_due_reminders_list_temporary_groups_near_or_past_their_end(cast):
    soon = temporary_group(cast, end=dt.date(2025, 6, 15), account="600100701", name="招生咨询临时群")
    later = temporary_group(cast, end=dt.date(2025, 7, 30), account="600100702", name="暑期培训临时群")
    past = temporary_group(cast, end=dt.date(2025, 6, 1), account="600100703", name="毕业演出临时群")
    reminders = due_reminders(TODAY)
    assert [(r.group_id, r.days_left, r.overdue) for r in reminders] == [
        (past.pk, -9, True),
        (soon.pk, 5, False),
    ]
    assert later.pk not in {r.group_id for r in due_reminders(TODAY, within_days=30)}
    assert later.pk in {r.group_id for r in due_reminders(TODAY, within_days=50)}


def test_due_reminders_leave_out_retained_groups(cast):
    group = temporary_group(cast)
    approval = actions.do_create_request(
        cast.manager_a, group, kind="retention", reason="需保留", supervising_person=cast.teacher_a
    )
    approve(cast, approval)
    assert due_reminders(TODAY) == []


def test_group_whose_owner_left_needs_a_handover(cast):
    registry.do_update_person(None, cast.teacher_a, active=False)
    detail = breaches(cast.group_a)["needs_handover"]
    assert detail == "群主 王建国、管理员 王建国已不在校/在岗，请本单位发起群主/管理员转交审批"
    newcomer = registry.do_create_person(
        None, number="T1002", name="赵敏", kind="staff", unit=cast.composition
    )
    approval = actions.do_create_request(
        cast.manager_a,
        cast.group_a,
        kind="handover",
        reason="调离",
        new_owner=newcomer,
        new_admins=[newcomer],
    )
    assert breaches(cast.group_a)["needs_handover"].endswith("转交审批办理中")
    approve(cast, approval)
    assert "needs_handover" not in breaches(cast.group_a)
