"""Periodic sync: group lists and member lists from the bot feed counts, snapshots, unregistered groups."""

from __future__ import annotations

import time

from qunguan.auditlog.events import AuditEvent
from qunguan.auditlog.models import AuditLogEntry
from qunguan.gateway.models import BotGroup
from qunguan.gateway.sync import sync_bot
from qunguan.members.models import MemberSnapshot
from qunguan.registry.models import Group
from tests.conftest import Cast
from tests.gateway.conftest import RunningGateway
from tests.gateway.peer import Peer, Reply

GROUP_A = 600100200
NOW = int(time.time())


def _members() -> list[dict[str, object]]:
    people = [(20001, "王建国", "owner"), (20002, "张小明", "member"), (20003, "路人甲", "member")]
    return [
        {
            "group_id": GROUP_A,
            "user_id": qq,
            "nickname": card,
            "card": card,
            "role": role,
            "join_time": NOW - 86400,
            "last_sent_time": NOW - 3600 * n,
        }
        for n, (qq, card, role) in enumerate(people)
    ]


def _script(peer: Peer) -> None:
    peer.on(
        "get_group_list",
        Reply(
            data=[
                {
                    "group_id": GROUP_A,
                    "group_name": "作曲系教职工群",
                    "member_count": 3,
                    "max_member_count": 200,
                },
                {
                    "group_id": 777000111,
                    "group_name": "作曲系闲聊群",
                    "member_count": 12,
                    "max_member_count": 200,
                },
            ]
        ),
    )
    peer.on("get_group_member_list", Reply(data=_members()))


def test_sync_records_member_list_count_and_unregistered_groups(
    live_cast: Cast, gateway: RunningGateway, peer: Peer
) -> None:
    _script(peer)
    report = gateway.run(sync_bot(gateway.gateway, "10001"))
    assert report.groups == 2
    assert report.registered == 1
    assert report.unregistered == ["777000111"]
    assert report.snapshots == 1
    assert peer.wait_action("get_group_member_list").params == {"group_id": GROUP_A}
    snapshot = MemberSnapshot.objects.get(group=live_cast.group_a)
    assert snapshot.member_count == 3
    assert Group.objects.get(pk=live_cast.group_a.pk).member_count == 3  # was 45 in the registry
    unregistered = BotGroup.objects.get(account="777000111")
    assert unregistered.group is None
    assert unregistered.member_count == 12
    registered = BotGroup.objects.get(account=str(GROUP_A))
    assert registered.last_activity is not None
    assert int(registered.last_activity.timestamp()) == NOW
    entry = AuditLogEntry.objects.get(event_type=AuditEvent.GATEWAY_GROUPS_SYNCED)
    assert "未登记 1 个（777000111）" in entry.summary


def test_sync_twice_with_the_same_members_keeps_one_snapshot(
    live_cast: Cast, gateway: RunningGateway, peer: Peer
) -> None:
    _script(peer)
    gateway.run(sync_bot(gateway.gateway, "10001"))
    again = gateway.run(sync_bot(gateway.gateway, "10001"))
    assert again.snapshots == 0
    assert MemberSnapshot.objects.filter(group=live_cast.group_a).count() == 1
    assert BotGroup.objects.count() == 2


def test_failed_member_list_is_reported_and_the_rest_synced(gateway: RunningGateway, peer: Peer) -> None:
    _script(peer)
    peer.on("get_group_member_list", Reply(retcode=200, wording="群不存在"))
    report = gateway.run(sync_bot(gateway.gateway, "10001"))
    assert report.snapshots == 0
    assert len(report.errors) == 1
    assert "retcode=200" in report.errors[0]
    assert BotGroup.objects.count() == 2


def test_member_joining_refreshes_the_member_list_once(
    live_cast: Cast, gateway: RunningGateway, peer: Peer
) -> None:
    from qunguan.chats.models import ChatMessage

    _script(peer)
    for user_id in (20003, 20004):  # two joins in a burst
        peer.send(
            {
                "time": NOW,
                "self_id": 10001,
                "post_type": "notice",
                "notice_type": "group_increase",
                "sub_type": "approve",
                "group_id": GROUP_A,
                "user_id": user_id,
                "operator_id": 20001,
            }
        )
    gateway.wait_events(2)
    peer.wait_action("get_group_member_list")
    gateway.settle()
    assert len(peer.named("get_group_member_list")) == 1
    assert MemberSnapshot.objects.filter(group=live_cast.group_a).count() == 1
    assert ChatMessage.objects.filter(group=live_cast.group_a, kind="system").count() == 2


def test_admins_differing_from_the_registry_are_reported(
    live_cast: Cast, gateway: RunningGateway, peer: Peer
) -> None:
    _script(peer)
    members = _members()
    members[1]["role"] = "admin"  # 张小明 is a QQ admin; the registry names only 王建国
    peer.on("get_group_member_list", Reply(data=members))
    report = gateway.run(sync_bot(gateway.gateway, "10001"))
    assert report.admins_differ == {str(GROUP_A): "QQ中的群主/管理员张小明未登记为管理员"}
    entry = AuditLogEntry.objects.get(event_type=AuditEvent.GATEWAY_GROUPS_SYNCED)
    assert "管理员与登记不符 1 个" in entry.summary


def test_agreeing_admins_are_not_reported(live_cast: Cast, gateway: RunningGateway, peer: Peer) -> None:
    _script(peer)
    assert gateway.run(sync_bot(gateway.gateway, "10001")).admins_differ == {}
