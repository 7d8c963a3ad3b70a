"""Member notices between syncs: joins, leaves and admin changes reach the member list and the
registry's count at once; the bot being removed drops its link to the group."""

from __future__ import annotations

import time
from typing import Any

from qunguan.auditlog.events import AuditEvent
from qunguan.auditlog.models import AuditLogEntry
from qunguan.gateway.models import BotGroup
from qunguan.gateway.sync import sync_bot
from qunguan.members.models import MatchStatus, MemberRole, MemberSnapshot
from qunguan.notify.models import Notification
from qunguan.registry.checks import run_checks
from qunguan.registry.models import Group
from tests.conftest import Cast
from tests.gateway.conftest import RunningGateway
from tests.gateway.peer import Peer, Reply

GROUP_A = 600100200
NOW = int(time.time())


def _members(count: int = 3) -> list[dict[str, object]]:
    named = [(20001, "王建国", "owner"), (20002, "张小明", "member"), (20003, "路人甲", "member")]
    people = named + [(30000 + n, f"成员{n}", "member") for n in range(count - len(named))]
    return [
        {"group_id": GROUP_A, "user_id": qq, "nickname": card, "card": card, "role": role, "join_time": NOW}
        for qq, card, role in people[:count]
    ]


def _synced(gateway: RunningGateway, peer: Peer, count: int = 3) -> None:
    """The bot's first sync: 作曲系教职工群 with ``count`` members."""
    peer.on(
        "get_group_list",
        Reply(data=[{"group_id": GROUP_A, "group_name": "作曲系教职工群", "member_count": count}]),
    )
    peer.on("get_group_member_list", Reply(data=_members(count)))
    gateway.run(sync_bot(gateway.gateway, "10001"))
    # From now on the bot cannot fetch the member list (as when QQ rate-limits it), so what these
    # specs see after a notice is the notice's own doing, not the resync's.
    peer.on("get_group_member_list", Reply(retcode=200, wording="请求过于频繁"))


def _notice(peer: Peer, notice_type: str, sub_type: str, user_id: int, **extra: Any) -> None:
    peer.send(
        {
            "time": NOW,
            "self_id": 10001,
            "post_type": "notice",
            "notice_type": notice_type,
            "sub_type": sub_type,
            "group_id": extra.pop("group_id", GROUP_A),
            "user_id": user_id,
            "operator_id": extra.pop("operator_id", 20001),
            **extra,
        }
    )


def _latest(cast: Cast) -> MemberSnapshot:
    return MemberSnapshot.objects.filter(group=cast.group_a).order_by("-taken_at", "-pk").first()  # type: ignore[return-value]


def _handled(gateway: RunningGateway, count: int) -> None:
    gateway.wait_events(count)
    gateway.settle()


def test_a_member_joining_updates_the_member_list_and_the_count_at_once(
    live_cast: Cast, gateway: RunningGateway, peer: Peer
) -> None:
    _synced(gateway, peer)
    _notice(peer, "group_increase", "approve", 20004)
    _handled(gateway, 1)
    latest = _latest(live_cast)
    assert latest.member_count == 4
    joined = latest.members.get(platform_id="20004")
    assert joined.status == MatchStatus.UNKNOWN
    assert joined.reason == "新入群，尚未同步群名片"
    assert Group.objects.get(pk=live_cast.group_a.pk).member_count == 4
    assert BotGroup.objects.get(account=str(GROUP_A)).member_count == 4
    # the list the sync took stays as it was: snapshots are history
    assert MemberSnapshot.objects.filter(group=live_cast.group_a).count() == 2
    entry = AuditLogEntry.objects.get(event_type=AuditEvent.GATEWAY_MEMBER_JOINED)
    assert entry.summary == "QQ 20004 加入群“作曲系教职工群”，现有 4 人"


def test_a_member_leaving_or_removed_is_taken_off_the_list(
    live_cast: Cast, gateway: RunningGateway, peer: Peer
) -> None:
    _synced(gateway, peer)
    _notice(peer, "group_decrease", "leave", 20003, operator_id=20003)
    _notice(peer, "group_decrease", "kick", 20002)
    _handled(gateway, 2)
    latest = _latest(live_cast)
    assert sorted(latest.members.values_list("platform_id", flat=True)) == ["20001"]
    assert Group.objects.get(pk=live_cast.group_a.pk).member_count == 1
    summaries = list(
        AuditLogEntry.objects.filter(event_type=AuditEvent.GATEWAY_MEMBER_LEFT)
        .order_by("seq")
        .values_list("summary", flat=True)
    )
    assert summaries == [
        "QQ 20003 退出群“作曲系教职工群”，现有 2 人",
        "QQ 20002 被移出群“作曲系教职工群”，现有 1 人",
    ]


def test_admin_changes_change_the_members_role(live_cast: Cast, gateway: RunningGateway, peer: Peer) -> None:
    _synced(gateway, peer)
    _notice(peer, "group_admin", "set", 20002)
    _handled(gateway, 1)
    assert _latest(live_cast).members.get(platform_id="20002").role == MemberRole.ADMIN
    _notice(peer, "group_admin", "unset", 20002)
    _handled(gateway, 2)
    assert _latest(live_cast).members.get(platform_id="20002").role == MemberRole.MEMBER
    assert AuditLogEntry.objects.filter(event_type=AuditEvent.GATEWAY_ADMIN_CHANGED).count() == 2
    assert Group.objects.get(pk=live_cast.group_a.pk).member_count == 3


def test_a_notice_delivered_twice_changes_the_list_once(
    live_cast: Cast, gateway: RunningGateway, peer: Peer
) -> None:
    _synced(gateway, peer)
    _notice(peer, "group_increase", "approve", 20004)
    _notice(peer, "group_increase", "approve", 20004)
    _handled(gateway, 2)
    assert MemberSnapshot.objects.filter(group=live_cast.group_a).count() == 2
    assert _latest(live_cast).member_count == 4


def test_the_151st_member_breaks_the_150_rule_before_any_sync(
    live_cast: Cast, gateway: RunningGateway, peer: Peer
) -> None:
    _synced(gateway, peer, count=150)
    group = Group.objects.get(pk=live_cast.group_a.pk)
    assert "oversize" not in {b.kind for b in run_checks(Group.objects.filter(pk=group.pk))}
    _notice(peer, "group_increase", "invite", 40001)
    _handled(gateway, 1)
    group.refresh_from_db()
    assert group.member_count == 151
    assert "oversize" in {b.kind for b in run_checks(Group.objects.filter(pk=group.pk))}


def test_the_bot_removed_from_a_group_drops_its_link_and_tells_the_liaison(
    live_cast: Cast, gateway: RunningGateway, peer: Peer
) -> None:
    _synced(gateway, peer)
    _notice(peer, "group_decrease", "kick_me", 10001, operator_id=20001)
    _handled(gateway, 1)
    assert not BotGroup.objects.filter(self_id="10001", account=str(GROUP_A)).exists()
    entry = AuditLogEntry.objects.get(event_type=AuditEvent.GATEWAY_BOT_REMOVED)
    assert entry.summary == "机器人 10001 被移出群“作曲系教职工群”（操作者 QQ 20001），该群的消息不再实时审核"
    notice = Notification.objects.get(recipient=live_cast.manager_a)
    assert notice.subject == "机器人已被移出群“作曲系教职工群”"
    assert notice.severity == "high"
    # no member list is asked for a group the bot has left
    assert _latest(live_cast).member_count == 3
    time.sleep(0.4)
    assert len(peer.named("get_group_member_list")) == 1


def test_notices_of_groups_the_registry_lacks_change_nothing(
    live_cast: Cast, gateway: RunningGateway, peer: Peer
) -> None:
    _synced(gateway, peer)
    _notice(peer, "group_increase", "approve", 20004, group_id=777000111)
    _handled(gateway, 1)
    assert MemberSnapshot.objects.filter(group=live_cast.group_a).count() == 1
    assert not AuditLogEntry.objects.filter(event_type=AuditEvent.GATEWAY_MEMBER_JOINED).exists()


def test_a_member_let_in_by_the_roster_check_joins_verified(
    live_cast: Cast, gateway: RunningGateway, peer: Peer
) -> None:
    _synced(gateway, peer)
    peer.send(peer.events.join_request(GROUP_A, 20005, "2023010101 张小明", "flag-20005"))
    peer.wait_action("set_group_add_request")
    _notice(peer, "group_increase", "approve", 20005)
    _handled(gateway, 2)
    joined = _latest(live_cast).members.get(platform_id="20005")
    assert joined.status == MatchStatus.VERIFIED
    assert joined.person == live_cast.student_a
