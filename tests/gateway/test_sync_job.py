"""The scheduler's gateway_sync job: it queues a sync per connected bot; the running gateway syncs it."""

from __future__ import annotations

import datetime as dt
import time

from django.utils import timezone

from qunguan.auditlog.events import AuditEvent
from qunguan.auditlog.models import AuditLogEntry
from qunguan.gateway import presence
from qunguan.gateway.models import ActionKind, ActionStatus, BotGroup, GatewayAction
from qunguan.gateway.sync_requests import SYNC_API, do_request_sync
from qunguan.members.models import MemberSnapshot
from qunguan.registry.models import Group
from qunguan.scheduler.runner import run_due
from qunguan.unregistered.models import SightingSource, UnregisteredGroup
from tests.conftest import Cast
from tests.gateway.conftest import RunningGateway
from tests.gateway.peer import Peer, Reply

GROUP_A = 600100200
STRAY = 777000111


def _script(peer: Peer) -> None:
    peer.on(
        "get_group_list",
        Reply(
            data=[
                {"group_id": GROUP_A, "group_name": "作曲系教职工群", "member_count": 2},
                {"group_id": STRAY, "group_name": "作曲系闲聊群", "member_count": 12},
            ]
        ),
    )
    peer.on(
        "get_group_member_list",
        Reply(
            data=[
                {
                    "group_id": GROUP_A,
                    "user_id": 20001,
                    "nickname": "王建国",
                    "card": "王建国",
                    "role": "owner",
                },
                {
                    "group_id": GROUP_A,
                    "user_id": 20002,
                    "nickname": "张小明",
                    "card": "张小明",
                    "role": "member",
                },
            ]
        ),
    )


def _wait_done(gateway: RunningGateway, timeout: float = 10) -> GatewayAction:
    deadline = time.monotonic() + timeout
    while True:
        action = gateway.do(lambda: GatewayAction.objects.filter(api=SYNC_API).order_by("pk").last())
        if action is not None and action.status not in (ActionStatus.QUEUED, ActionStatus.PLANNED):
            return action
        assert time.monotonic() < deadline, f"sync request not answered: {action and action.status}"
        time.sleep(0.05)


def test_the_scheduled_job_makes_the_running_gateway_sync_its_bot(
    live_cast: Cast, gateway: RunningGateway, peer: Peer
) -> None:
    _script(peer)
    outcomes = gateway.do(run_due, timezone.now(), only=["gateway_sync"])
    assert [(o.name, o.status, o.result) for o in outcomes] == [("gateway_sync", "ok", "请求 1 个机器人同步")]

    action = _wait_done(gateway)
    assert (action.kind, action.self_id, action.status) == (ActionKind.SYNC, "10001", ActionStatus.OK)
    assert peer.wait_action("get_group_list").params == {}
    assert peer.wait_action("get_group_member_list").params == {"group_id": GROUP_A}
    gateway.settle()
    # the snapshot follows the bot's member list, and the registry's member count follows it
    snapshot = MemberSnapshot.objects.get(group=live_cast.group_a)
    assert snapshot.member_count == 2
    assert Group.objects.get(pk=live_cast.group_a.pk).member_count == 2
    assert BotGroup.objects.get(account=str(STRAY)).group is None
    stray = UnregisteredGroup.objects.get(account=str(STRAY))
    assert (stray.source, stray.bot, stray.name) == (SightingSource.GATEWAY, "10001", "作曲系闲聊群")
    requested = AuditLogEntry.objects.get(event_type=AuditEvent.GATEWAY_SYNC_REQUESTED)
    assert requested.summary == "请求 1 个机器人同步群列表与成员名单：10001"
    assert AuditLogEntry.objects.filter(event_type=AuditEvent.GATEWAY_GROUPS_SYNCED).count() == 1


def test_a_failed_sync_is_recorded_on_the_request(
    live_cast: Cast, gateway: RunningGateway, peer: Peer
) -> None:
    peer.on("get_group_list", Reply(retcode=100, wording="未登录"))
    gateway.do(do_request_sync)
    action = _wait_done(gateway)
    assert action.status == ActionStatus.FAILED
    assert "retcode=100" in action.error
    assert AuditLogEntry.objects.filter(event_type=AuditEvent.GATEWAY_ACTION_FAILED).count() == 1


def test_a_bot_with_a_request_waiting_gets_no_second_one(cast: Cast) -> None:
    presence.mark_connected("10001", "ws")
    presence.mark_connected("10002", "ws")
    now = timezone.now()
    assert sorted(a.self_id for a in do_request_sync(now)) == ["10001", "10002"]
    assert do_request_sync(now + dt.timedelta(minutes=5)) == []  # still queued: the gateway is busy
    assert AuditLogEntry.objects.filter(event_type=AuditEvent.GATEWAY_SYNC_REQUESTED).count() == 1
    # taken by a gateway that stopped before answering: after an hour it no longer blocks
    GatewayAction.objects.filter(api=SYNC_API).update(status=ActionStatus.PLANNED)
    assert do_request_sync(now + dt.timedelta(minutes=30)) == []
    assert len(do_request_sync(now + dt.timedelta(hours=2))) == 2


def test_no_connected_bot_no_request(cast: Cast) -> None:
    presence.mark_connected("10001", "ws")
    presence.mark_disconnected(["10001"])
    assert do_request_sync() == []
    assert not AuditLogEntry.objects.filter(event_type=AuditEvent.GATEWAY_SYNC_REQUESTED).exists()
