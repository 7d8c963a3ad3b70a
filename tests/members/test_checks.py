"""The checks that need members and messages: each fires on its case and stays quiet on the near miss."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from django.utils import timezone

from qunguan.chats.actions import do_import_chat_file
from qunguan.members.actions import do_import_members
from qunguan.registry import actions
from qunguan.registry.checks import CHECKS, Breach, run_checks
from qunguan.registry.models import Group

from .helpers import COMPOSITION_MEMBERS, write_members

TODAY = dt.date(2025, 3, 1)


def breaches(kind: str, groups=None, today: dt.date = TODAY) -> list[Breach]:
    return run_checks(groups if groups is not None else Group.objects.all(), today=today, kinds=[kind])


def taken(days_before: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(TODAY - dt.timedelta(days=days_before), dt.time(9, 0)))


def import_members(group: Group, rows, tmp_path: Path, *, days_before: int = 1, name: str = "m.csv"):
    return do_import_members(None, group, write_members(tmp_path / name, rows), taken_at=taken(days_before))


def test_new_checks_are_registered_with_their_clause_and_title():
    assert [
        (CHECKS[k].clause, CHECKS[k].title)
        for k in ("unverified_members", "inactive_group", "duplicate_group")
    ] == [
        ("1(3)", "有未通过实名核验的成员"),
        ("4(1)", "长期无消息，应解散或停用"),
        ("4(1)", "疑似重复群（成员高度重合）"),
    ]


# ---------------------------------------------------------------- 1(3)


def test_unverified_members_fires_on_the_latest_snapshot_with_strangers(cast, tmp_path):
    import_members(cast.group_a, COMPOSITION_MEMBERS, tmp_path)

    (breach,) = breaches("unverified_members")

    assert (breach.group_id, breach.clause) == (cast.group_a.pk, "1(3)")
    assert breach.detail == (
        "2025-02-28 的成员名单中 2 人未通过实名核验（查无此人 1 人，不在成员范围 1 人），请核实或移除"
    )


def test_unverified_members_is_quiet_when_the_latest_snapshot_is_all_verified(cast, tmp_path):
    import_members(cast.group_a, COMPOSITION_MEMBERS, tmp_path, days_before=10, name="old.csv")
    import_members(cast.group_a, COMPOSITION_MEMBERS[:2], tmp_path, days_before=1, name="new.csv")

    assert breaches("unverified_members") == []


def test_unverified_members_ignores_robots(cast):
    group = actions.do_register_group(
        None, platform="qq", account="800100200", name="机器人群", unit=cast.composition
    )
    data = [
        {"user_id": 1, "card": "王建国", "role": "owner"},
        {"user_id": 2, "card": "群管家", "role": "admin", "is_robot": True},
    ]
    do_import_members(None, group, io.BytesIO(json.dumps(data).encode()), filename="list.json")

    assert breaches("unverified_members") == []


# ---------------------------------------------------------------- 4(1) inactive


def write_chat(path: Path, when: dt.datetime, account: str) -> Path:
    path.write_text(
        f"time,group,sender_id,sender_name,text\n{when:%Y-%m-%d %H:%M:%S},{account},10001001,王建国,明天开会\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(("days", "fires"), [(91, True), (90, False)])
def test_inactive_group_counts_days_since_the_last_stored_message(cast, tmp_path, days, fires):
    # written without an offset: the generic format reads it as China time
    when = dt.datetime.combine(TODAY - dt.timedelta(days=days), dt.time(10, 0))
    do_import_chat_file(
        None, write_chat(tmp_path / "chat.csv", when, cast.group_a.account), format_name="generic"
    )

    found = breaches("inactive_group")

    assert [b.group_id for b in found] == ([cast.group_a.pk] if fires else [])
    if fires:
        assert found[0].detail == f"最后一条消息在 {when:%Y-%m-%d}，已 91 天无消息（限 90 天）"


def test_inactive_group_with_only_a_member_list_counts_from_the_first_list(cast, tmp_path):
    import_members(cast.group_a, COMPOSITION_MEMBERS, tmp_path, days_before=120, name="first.csv")
    import_members(cast.group_a, COMPOSITION_MEMBERS, tmp_path, days_before=5, name="later.csv")

    (breach,) = breaches("inactive_group")

    assert breach.detail == "自 2024-11-01 导入成员名单以来 120 天未见任何消息（限 90 天）"


def test_inactive_group_leaves_groups_never_observed_alone(cast):
    # the cast's groups have neither messages nor member lists: silence here says nothing
    assert breaches("inactive_group") == []


def test_inactive_days_come_from_the_setting(cast, tmp_path, settings):
    settings.QUNGUAN_INACTIVE_DAYS = 200
    import_members(cast.group_a, COMPOSITION_MEMBERS, tmp_path, days_before=120)

    assert breaches("inactive_group") == []


# ---------------------------------------------------------------- 4(1) duplicate


TEN = [[f"成员{i}", "", f"2000{i}", "", ""] for i in range(10)]


def test_duplicate_group_fires_for_two_groups_of_one_unit_with_nearly_the_same_members(cast, tmp_path):
    other = actions.do_register_group(
        None, platform="qq", account="600100299", name="作曲系教职工二群", unit=cast.composition
    )
    import_members(cast.group_a, TEN, tmp_path, name="a.csv")
    import_members(other, TEN[:8], tmp_path, name="b.csv")  # 8 of 10 shared: Jaccard 0.8

    found = breaches("duplicate_group")

    assert sorted(b.group_id for b in found) == sorted([cast.group_a.pk, other.pk])
    details = {b.group_id: b.detail for b in found}
    assert (
        details[cast.group_a.pk] == "与“作曲系教职工二群”的成员重合度 80%（共同成员 8 人），请合并或解散其一"
    )


def test_duplicate_group_is_quiet_just_below_the_threshold(cast, tmp_path):
    other = actions.do_register_group(
        None, platform="qq", account="600100299", name="作曲系教职工二群", unit=cast.composition
    )
    import_members(cast.group_a, TEN, tmp_path, name="a.csv")
    import_members(other, TEN[:7], tmp_path, name="b.csv")  # Jaccard 0.7

    assert breaches("duplicate_group") == []


def test_duplicate_group_compares_groups_of_one_unit_only(cast, tmp_path):
    other = actions.do_register_group(
        None, platform="qq", account="600100299", name="声乐系二群", unit=cast.vocal
    )
    import_members(cast.group_a, TEN, tmp_path, name="a.csv")
    import_members(other, TEN, tmp_path, name="b.csv")

    assert breaches("duplicate_group") == []


def test_duplicate_group_recognises_the_same_people_across_platforms(cast, tmp_path):
    # the same three verified people, by QQ number in one group and by wxid in the other
    wechat = actions.do_register_group(
        None, platform="wechat", account="zuoqu@chatroom", name="作曲系微信群", unit=cast.composition
    )
    actions.do_create_person(None, number="T1003", name="赵敏", kind="staff", unit=cast.composition)
    people = [["王建国", "", "1"], ["张小明", "", "2"], ["赵敏", "", "3"]]
    import_members(cast.group_a, [[c, n, i, "", ""] for c, n, i in people], tmp_path, name="qq.csv")
    import_members(wechat, [[c, n, f"wxid_{i}", "", ""] for c, n, i in people], tmp_path, name="wx.csv")

    assert {b.group_id for b in breaches("duplicate_group")} == {cast.group_a.pk, wechat.pk}


def test_duplicate_threshold_comes_from_the_setting(cast, tmp_path, settings):
    settings.QUNGUAN_DUPLICATE_JACCARD = 0.9
    other = actions.do_register_group(
        None, platform="qq", account="600100299", name="作曲系教职工二群", unit=cast.composition
    )
    import_members(cast.group_a, TEN, tmp_path, name="a.csv")
    import_members(other, TEN[:8], tmp_path, name="b.csv")

    assert breaches("duplicate_group") == []
