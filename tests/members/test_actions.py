"""do_import_members: a dated snapshot, the registry's member count, real-name results, scope, one log entry."""

from __future__ import annotations

import datetime as dt

import pytest

from qunguan.auditlog.events import AuditEvent
from qunguan.auditlog.models import AuditLogEntry
from qunguan.members.actions import MemberImportError, do_import_members
from qunguan.members.models import Member, MemberSnapshot
from qunguan.registry import actions
from qunguan.registry.errors import RegistryError

from .helpers import COMPOSITION_MEMBERS, ONEBOT_SAMPLE, WECOM_SAMPLE, write_members


def logged(event: AuditEvent) -> list[AuditLogEntry]:
    return list(AuditLogEntry.objects.filter(event_type=event).order_by("seq"))


def test_import_stores_a_snapshot_matches_each_member_and_sets_the_member_count(cast, tmp_path):
    path = write_members(tmp_path / "members.csv", COMPOSITION_MEMBERS)

    outcome = do_import_members(cast.manager_a, cast.group_a, path)

    cast.group_a.refresh_from_db()
    assert cast.group_a.member_count == 4
    assert outcome.previous_count == 45
    assert outcome.statuses == {"verified": 2, "out_of_scope": 1, "unknown": 1}
    members = {m.platform_id: m for m in Member.objects.filter(snapshot=outcome.snapshot)}
    assert (members["10001001"].status, members["10001001"].person) == ("verified", cast.teacher_a)
    assert (members["10001002"].status, members["10001002"].person) == ("verified", cast.student_a)
    assert (members["10001003"].status, members["10001003"].person) == ("out_of_scope", cast.teacher_b)
    assert members["10001003"].reason == "花名册中的“李秀兰”属于“声乐系”，不在本群成员范围内"
    assert (members["10001004"].status, members["10001004"].reason) == ("unknown", "花名册中查无“路人甲”")
    assert members["10001001"].role == "owner"
    assert outcome.summary() == (
        "members.csv：已导入 4 名成员；实名核验通过 2 人，无法确定（重名） 0 人，查无此人 1 人，"
        "不在成员范围 1 人；现有人数由 45 改为 4。"
    )


def test_import_writes_one_entry_and_the_count_change_shows_in_the_groups_history(cast, tmp_path):
    path = write_members(tmp_path / "members.csv", COMPOSITION_MEMBERS)

    do_import_members(cast.manager_a, cast.group_a, path)

    (entry,) = logged(AuditEvent.MEMBERS_IMPORTED)
    assert (entry.actor_label, entry.object_type, entry.object_id) == ("zuoqu", "group", str(cast.group_a.pk))
    assert entry.summary == "导入群组“作曲系教职工群”的成员名单 members.csv：4 人，未通过实名核验 2 人"
    (change,) = logged(AuditEvent.GROUP_CHANGED)
    assert (change.before, change.after) == ({"member_count": 45}, {"member_count": 4})


def test_import_of_an_unchanged_count_changes_nothing_in_the_registry(cast, tmp_path):
    actions.do_update_group(None, cast.group_a, member_count=4)
    path = write_members(tmp_path / "members.csv", COMPOSITION_MEMBERS)
    before = len(logged(AuditEvent.GROUP_CHANGED))

    do_import_members(cast.manager_a, cast.group_a, path)

    assert len(logged(AuditEvent.GROUP_CHANGED)) == before
    assert len(logged(AuditEvent.MEMBERS_IMPORTED)) == 1


def test_manager_of_vocal_cannot_import_into_compositions_group(cast, tmp_path):
    path = write_members(tmp_path / "members.csv", COMPOSITION_MEMBERS)

    with pytest.raises(RegistryError) as err:
        do_import_members(cast.manager_b, cast.group_a, path)

    assert (err.value.code, err.value.message) == ("out_of_scope", "您无权管理单位“作曲系”的数据。")
    assert MemberSnapshot.objects.count() == 0
    assert logged(AuditEvent.MEMBERS_IMPORTED) == []


@pytest.mark.parametrize("user", ["group_admin", "head_a", "outsider"])
def test_only_managers_of_the_unit_import_member_lists(cast, tmp_path, user):
    path = write_members(tmp_path / "members.csv", COMPOSITION_MEMBERS)

    with pytest.raises(RegistryError, match="您无权管理单位“作曲系”的数据。"):
        do_import_members(getattr(cast, user), cast.group_a, path)


def test_a_file_with_bad_rows_imports_nothing_and_lists_every_problem(cast, tmp_path):
    rows = [*COMPOSITION_MEMBERS, ["无号", "", "", "", ""], ["坏角色", "", "10009", "校长", ""]]
    path = write_members(tmp_path / "members.csv", rows)

    with pytest.raises(MemberImportError) as err:
        do_import_members(cast.manager_a, cast.group_a, path)

    assert err.value.problems == [
        f"{path}:6: QQ号或微信号: 必填，不能为空",
        f"{path}:7: 角色: 角色应为“群主”“管理员”或“成员”，而不是“校长”",
    ]
    assert err.value.message == f"{path}：2 处错误，未导入任何数据。"
    cast.group_a.refresh_from_db()
    assert cast.group_a.member_count == 45
    assert MemberSnapshot.objects.count() == 0
    assert logged(AuditEvent.MEMBERS_IMPORTED) == []


def test_onebot_sample_imports_into_the_qq_group_it_names_and_leaves_the_robot_out_of_the_counts(cast):
    group = actions.do_register_group(
        None, platform="qq", account="800100200", name="作曲系辅导员群", unit=cast.composition
    )

    outcome = do_import_members(cast.manager_a, group, ONEBOT_SAMPLE)

    assert outcome.snapshot.member_count == 6
    assert outcome.snapshot.source_format == "onebot"
    assert outcome.robots == 1
    # 王建国-辅导员 fits the default {姓名}; the sample's other names are not in the cast's roster
    assert outcome.statuses == {"verified": 1, "unknown": 4}
    owner = Member.objects.get(snapshot=outcome.snapshot, platform_id="10001001")
    assert owner.joined_at == dt.datetime(2024, 6, 20, 2, 0, tzinfo=dt.UTC)


def test_member_list_of_another_group_is_refused(cast):
    with pytest.raises(MemberImportError) as err:
        do_import_members(cast.manager_a, cast.group_a, ONEBOT_SAMPLE)

    assert err.value.code == "group_mismatch"
    assert err.value.message.endswith(
        "文件是群 800100200 的成员名单，与“作曲系教职工群”的群号 600100200 不符。"
    )


def test_wecom_list_cannot_go_into_a_wechat_group(cast):
    with pytest.raises(MemberImportError, match="这是企业微信群的成员名单，不能导入到微信群“声乐系工作群”"):
        do_import_members(cast.manager_b, cast.group_b, WECOM_SAMPLE)


def test_wecom_sample_imports_into_its_wecom_group(cast):
    group = actions.do_register_group(
        None,
        platform="wecom",
        account="wrOgQhDgAAxxxxSAMPLExxxxxxxxxxAA",
        name="声乐系企业微信群",
        unit=cast.vocal,
    )

    outcome = do_import_members(cast.manager_b, group, WECOM_SAMPLE)

    group.refresh_from_db()
    assert group.member_count == 5
    # 王建国 is in the roster but in 作曲系, not in this 声乐系 group's scope
    assert outcome.statuses == {"out_of_scope": 1, "unknown": 4}


def test_naming_convention_of_the_group_decides_how_cards_are_read(cast, tmp_path):
    actions.do_update_group(cast.manager_a, cast.group_a, naming_convention="{学号}{姓名}")
    path = write_members(
        tmp_path / "m.csv", [["2023010101张小明", "", "1", "", ""], ["张小明", "", "2", "", ""]]
    )

    outcome = do_import_members(cast.manager_a, cast.group_a, path)

    assert outcome.snapshot.naming_convention == "{学号}{姓名}"
    statuses = dict(Member.objects.filter(snapshot=outcome.snapshot).values_list("platform_id", "status"))
    assert statuses == {"1": "verified", "2": "unknown"}


def test_unusable_naming_convention_is_refused_by_the_registry(cast):
    with pytest.raises(RegistryError) as err:
        actions.do_update_group(cast.manager_a, cast.group_a, naming_convention="{年级}{姓名}")

    assert (err.value.code, err.value.field) == ("invalid", "naming_convention")
