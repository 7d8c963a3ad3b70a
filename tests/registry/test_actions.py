"""Registry actions: one audit entry per change, scope enforced, the unit tree kept consistent."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from qunguan.accounts.actions import do_create_user, do_grant_role, do_revoke_role
from qunguan.accounts.models import Role, RoleAssignment
from qunguan.approvals.actions import do_record_approval
from qunguan.auditlog.events import AuditEvent
from qunguan.auditlog.models import AuditLogEntry
from qunguan.registry import actions, errors
from qunguan.registry.errors import RegistryError
from qunguan.registry.models import Group, GroupStatus, Person, Unit

TODAY = dt.date(2026, 3, 5)


def new_group(cast: Any, **overrides: Any) -> Group:
    data: dict[str, Any] = {
        "platform": "wechat",
        "account": "wx-zuoqu-2023-1",
        "name": "作曲2023级1班班级群",
        "unit": cast.composition_class,
        "member_scope": "作曲2023级1班全体学生",
        "purpose": "班级通知",
        "owner": cast.teacher_a,
        "member_count": 30,
        "admins": [cast.teacher_a],
        **overrides,
    }
    return actions.do_register_group(cast.supervisor, **data)


def rules_file() -> SimpleUploadedFile:
    return SimpleUploadedFile("rules.txt", "本群只发工作通知。".encode(), content_type="text/plain")


# Each action, run by the supervisor, with the event it must log and whether it logs a "before".
ACTIONS: list[tuple[str, Callable[[Any], Any], AuditEvent, bool]] = [
    (
        "create_unit",
        lambda c: actions.do_create_unit(c.supervisor, name="器乐系", kind="college", parent=c.school),
        AuditEvent.UNIT_CREATED,
        False,
    ),
    (
        "update_unit",
        lambda c: actions.do_update_unit(c.supervisor, c.vocal, headcount=90),
        AuditEvent.UNIT_CHANGED,
        True,
    ),
    (
        "create_person",
        lambda c: actions.do_create_person(
            c.supervisor, number="T3001", name="赵敏", kind="staff", unit=c.vocal, phone="13800138123"
        ),
        AuditEvent.PERSON_CREATED,
        False,
    ),
    (
        "update_person",
        lambda c: actions.do_update_person(c.supervisor, c.teacher_b, active=False),
        AuditEvent.PERSON_CHANGED,
        True,
    ),
    (
        "import_roster",
        lambda c: actions.do_import_roster(
            c.supervisor,
            [{"number": "T3002", "name": "钱磊", "kind": "staff", "unit": c.vocal, "phone": "13800138124"}],
            source="roster.csv",
        ),
        AuditEvent.ROSTER_IMPORTED,
        False,
    ),
    ("register_group", lambda c: new_group(c), AuditEvent.GROUP_REGISTERED, False),
    (
        "update_group",
        lambda c: actions.do_update_group(c.supervisor, c.group_b, member_count=75),
        AuditEvent.GROUP_CHANGED,
        True,
    ),
    (
        "change_admins",
        lambda c: actions.do_update_group(c.supervisor, c.group_a, admins=[c.teacher_a, c.student_a]),
        AuditEvent.GROUP_ADMINS_CHANGED,
        True,
    ),
    (
        "dissolve_group",
        lambda c: actions.do_dissolve_group(c.supervisor, c.group_b, on=TODAY, reason="重复群"),
        AuditEvent.GROUP_DISSOLVED,
        True,
    ),
    (
        "upload_rules",
        lambda c: actions.do_upload_group_rules(c.supervisor, c.group_a, rules_file()),
        AuditEvent.GROUP_RULES_UPLOADED,
        True,
    ),
    (
        "record_approval",
        lambda c: do_record_approval(
            c.supervisor,
            c.group_a,
            kind="oversize",
            approved_by=c.teacher_a,
            decided_on=TODAY,
            max_members=300,
        ),
        AuditEvent.APPROVAL_RECORDED,
        False,
    ),
    (
        "create_user",
        lambda c: do_create_user(c.supervisor, username="qiyue", password="a-long-demo-pass-26"),
        AuditEvent.USER_CREATED,
        False,
    ),
    (
        "grant_role",
        lambda c: do_grant_role(c.supervisor, c.outsider, Role.REVIEWER, unit=c.vocal),
        AuditEvent.USER_ROLE_GRANTED,
        False,
    ),
    (
        "revoke_role",
        lambda c: do_revoke_role(c.supervisor, RoleAssignment.objects.get(user=c.head_a)),
        AuditEvent.USER_ROLE_REVOKED,
        True,
    ),
]


@pytest.mark.parametrize(
    ("action", "event", "logs_before"), [a[1:] for a in ACTIONS], ids=[a[0] for a in ACTIONS]
)
def test_each_action_writes_exactly_one_audit_entry_with_before_and_after(cast, action, event, logs_before):
    last = AuditLogEntry.objects.order_by("-seq").first()
    action(cast)
    new = list(AuditLogEntry.objects.filter(seq__gt=last.seq if last else 0))
    assert len(new) == 1
    entry = new[0]
    assert entry.event_type == event
    assert entry.actor == cast.supervisor
    assert entry.actor_label == "xcb"
    assert entry.summary
    if logs_before:
        assert entry.before
    else:
        assert entry.before is None
        assert entry.after


def test_an_update_logs_only_the_changed_fields(cast):
    actions.do_update_group(cast.manager_a, cast.group_a, member_count=50, purpose="工作通知")
    entry = AuditLogEntry.objects.latest("seq")
    assert entry.before == {"member_count": 45}
    assert entry.after == {"member_count": 50}


def test_an_update_that_changes_nothing_logs_nothing(cast):
    count = AuditLogEntry.objects.count()
    actions.do_update_group(cast.manager_a, cast.group_a, member_count=45)
    assert AuditLogEntry.objects.count() == count


def test_a_refused_action_logs_nothing(cast):
    count = AuditLogEntry.objects.count()
    with pytest.raises(RegistryError):
        new_group(cast, account=cast.group_a.account, platform="qq")
    assert AuditLogEntry.objects.count() == count


def _all_audit_text() -> str:
    return json.dumps(
        list(AuditLogEntry.objects.values("summary", "before", "after")), ensure_ascii=False, default=str
    )


def test_phones_never_appear_unmasked_in_audit_entries(cast):
    person = actions.do_create_person(
        cast.supervisor,
        number="T3003",
        name="孙丽",
        kind="staff",
        unit=cast.vocal,
        phone="13800138456",
        email="sunli@example.edu.cn",
    )
    actions.do_update_person(cast.supervisor, person, phone="13900139789")
    actions.do_import_roster(
        cast.supervisor,
        [{"number": "T3004", "name": "周静", "kind": "staff", "unit": cast.vocal, "phone": "13800138777"}],
        source="roster.xlsx",
    )
    text = _all_audit_text()
    for phone in ("13800138000", "13900139000", "13700137000", "13800138456", "13900139789", "13800138777"):
        assert phone not in text
    assert "sunli@" not in text
    assert "138*****456" in text or "138****8456" in text


def test_unit_manager_cannot_register_a_group_in_a_sibling_unit(cast):
    with pytest.raises(RegistryError) as refused:
        actions.do_register_group(
            cast.manager_a,
            platform="qq",
            account="600999888",
            name="声乐系学生群",
            unit=cast.vocal,
            member_scope="声乐系学生",
            purpose="通知",
        )
    assert refused.value.code == errors.OUT_OF_SCOPE
    assert refused.value.message == "您无权管理单位“声乐系”的数据。"
    assert not Group.objects.filter(account="600999888").exists()


def test_unit_manager_cannot_move_a_group_into_a_sibling_unit(cast):
    with pytest.raises(RegistryError) as refused:
        actions.do_update_group(cast.manager_a, cast.group_a, unit=cast.vocal)
    assert refused.value.message == "您无权管理单位“声乐系”的数据。"


def test_unit_manager_registers_a_group_in_a_class_below_its_unit(cast):
    group = new_group(cast)
    assert group.unit == cast.composition_class


def test_group_admin_cannot_change_the_group_it_runs(cast):
    with pytest.raises(RegistryError) as refused:
        actions.do_update_group(cast.group_admin, cast.group_a, member_count=46)
    assert refused.value.code == errors.OUT_OF_SCOPE


def test_only_the_supervisor_creates_top_level_units(cast):
    with pytest.raises(RegistryError) as refused:
        actions.do_create_unit(cast.manager_a, name="新单位", kind="office")
    assert refused.value.message == "只有党委宣传部可以新建顶级单位。"


def test_moving_a_unit_re_roots_its_subtree_paths(cast):
    actions.do_update_unit(cast.supervisor, cast.composition, parent=cast.vocal)
    composition = Unit.objects.get(pk=cast.composition.pk)
    composition_class = Unit.objects.get(pk=cast.composition_class.pk)
    assert composition.path == f"{cast.vocal.path}{composition.pk}/"
    assert composition_class.path == f"{composition.path}{composition_class.pk}/"
    # the manager of the new parent now reaches the moved subtree
    assert actions.access.can_manage_unit(cast.manager_b, composition_class)


def test_moving_a_unit_under_its_own_descendant_is_refused(cast):
    with pytest.raises(RegistryError) as refused:
        actions.do_update_unit(cast.supervisor, cast.composition, parent=cast.composition_class)
    assert refused.value.code == errors.UNIT_CYCLE
    assert refused.value.message == "不能把单位移动到它自己的下级单位之下。"
    assert Unit.objects.get(pk=cast.composition.pk).parent == cast.school


def test_moving_a_unit_under_itself_is_refused(cast):
    with pytest.raises(RegistryError) as refused:
        actions.do_update_unit(cast.supervisor, cast.vocal, parent=cast.vocal)
    assert refused.value.code == errors.UNIT_CYCLE


def test_a_duplicate_account_is_refused(cast):
    with pytest.raises(RegistryError) as refused:
        new_group(cast, platform="qq", account="600100200")
    assert refused.value.code == errors.DUPLICATE_ACCOUNT
    assert refused.value.message == "QQ群 600100200 已经登记过。"
    assert refused.value.field == "account"


def test_the_same_account_on_another_platform_is_a_different_group(cast):
    group = new_group(cast, platform="wechat", account="600100200")
    assert group.pk != cast.group_a.pk


def test_a_duplicate_staff_number_is_refused(cast):
    with pytest.raises(RegistryError) as refused:
        actions.do_create_person(cast.supervisor, number="T1001", name="重复", kind="staff", unit=cast.vocal)
    assert refused.value.code == errors.DUPLICATE_NUMBER
    assert refused.value.message == "工号/学号 T1001 已在花名册中。"


def test_a_temporary_group_needs_an_end_date(cast):
    with pytest.raises(RegistryError) as refused:
        new_group(cast, status=GroupStatus.TEMPORARY)
    assert refused.value.code == errors.INVALID
    assert refused.value.field == "end_date"


def test_dissolving_keeps_the_group_and_its_history(cast):
    actions.do_dissolve_group(cast.manager_a, cast.group_a, on=TODAY, reason="工作结束")
    group = Group.objects.get(pk=cast.group_a.pk)
    assert group.status == GroupStatus.DISSOLVED
    assert group.dissolved_on == TODAY
    assert not group.running_normally
    history = AuditLogEntry.objects.filter(object_type="group", object_id=str(group.pk)).order_by("seq")
    assert [e.event_type for e in history] == [AuditEvent.GROUP_REGISTERED, AuditEvent.GROUP_DISSOLVED]


def test_roster_import_updates_existing_people_and_counts_them(cast):
    created, updated = actions.do_import_roster(
        cast.supervisor,
        [
            {
                "number": "T2001",
                "name": "李秀兰",
                "kind": "staff",
                "unit": cast.vocal,
                "phone": "13900139001",
            },
            {"number": "T2002", "name": "吴刚", "kind": "staff", "unit": cast.vocal},
        ],
        source="roster.csv",
    )
    assert (created, updated) == (1, 1)
    assert Person.objects.get(number="T2001").phone == "13900139001"
