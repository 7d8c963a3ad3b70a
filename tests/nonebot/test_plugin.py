"""qunguan loaded as a NoneBot2 plugin: the test OneBot peer connects to a real NoneBot (OneBot v11
adapter, reverse WebSocket on loopback) and the plugin recalls, warns and records like the gateway."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import pytest

from qunguan.auditlog.events import AuditEvent
from qunguan.auditlog.models import AuditLogEntry
from qunguan.chats.models import ChatMessage
from qunguan.gateway.models import (
    ActionKind,
    ActionStatus,
    BotAccount,
    GatewayAction,
    InboxEvent,
    InboxState,
    JoinDecision,
    JoinOutcome,
)
from tests.gateway.peer import Peer, Reply

if TYPE_CHECKING:
    from conftest import RunningBot

pytest.importorskip("nonebot.adapters.onebot.v11", reason="NoneBot 插件（qunguan[nonebot]）未安装")

T = TypeVar("T")
GROUP_A = 600100200  # the cast's registered QQ group 作曲系教职工群
PRIVATE = "我的身份证号110101199003071233，麻烦登记一下"


def in_db(read: Callable[[], T], until: Callable[[T], bool], timeout: float = 10) -> T:
    """Return ``read()`` once ``until`` holds, reading in the plugin's database thread.

    The in-memory test database locks whole tables while the plugin writes, so the test reads
    where the plugin writes, after what the plugin queued before.
    """
    from qunguan.nonebot_plugin import bridge

    deadline = time.monotonic() + timeout
    while True:
        assert bridge._db is not None
        value = bridge._db.submit(read).result(timeout)
        if until(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def test_id_number_message_is_recalled_through_the_plugin(bot: RunningBot, peer: Peer) -> None:
    event = peer.message(GROUP_A, 20001, [{"type": "text", "data": {"text": PRIVATE}}], card="王老师")
    recall = peer.wait_action("delete_msg", timeout=10)
    assert recall.params == {"message_id": event["message_id"]}
    warning = peer.wait_action("send_group_msg", timeout=5)
    assert warning.params["group_id"] == GROUP_A
    assert "身份证号" in warning.params["message"][1]["data"]["text"]

    def read() -> tuple[list[str], list[tuple[str, str, str]], int, list[str]]:
        message = ChatMessage.objects.get(message_id=str(event["message_id"]))
        actions = list(
            GatewayAction.objects.order_by("id").values_list("kind", "status", "finding__category")
        )
        recalled = AuditLogEntry.objects.filter(event_type=AuditEvent.GATEWAY_MESSAGE_RECALLED).count()
        return (
            list(message.findings.values_list("category", flat=True)),
            actions,
            recalled,
            list(InboxEvent.objects.values_list("state", flat=True)),
        )

    categories, actions, recalled, states = in_db(
        read, lambda v: len(v[1]) == 2 and all(a[1] == ActionStatus.OK for a in v[1])
    )
    assert "privacy.id_card" in categories
    assert actions == [
        (ActionKind.RECALL, ActionStatus.OK, "privacy.id_card"),
        (ActionKind.WARN, ActionStatus.OK, "privacy.id_card"),
    ]
    assert recalled == 1
    assert states == [InboxState.DONE]


def test_clean_message_is_stored_and_nothing_is_done(bot: RunningBot, peer: Peer) -> None:
    event = peer.message(GROUP_A, 20001, "[CQ:at,qq=10001] 明天上午九点开教研会")
    texts = in_db(
        lambda: list(
            ChatMessage.objects.filter(message_id=str(event["message_id"])).values_list("text", flat=True)
        ),
        bool,
    )
    # The adapter trims the @mention of the bot for matchers; the plugin stores what was said.
    assert texts == ["@10001 明天上午九点开教研会"]
    assert peer.actions == []


def test_a_refused_recall_is_recorded_with_its_retcode(bot: RunningBot, peer: Peer) -> None:
    peer.on("delete_msg", Reply(retcode=100, wording="权限不足"))
    peer.message(GROUP_A, 20001, PRIVATE)
    peer.wait_action("delete_msg", timeout=10)
    recall = in_db(
        lambda: GatewayAction.objects.filter(kind=ActionKind.RECALL).values_list("status", "retcode").first(),
        lambda v: v is not None and v[0] != ActionStatus.PLANNED,
    )
    assert recall == (ActionStatus.FAILED, 100)


def test_the_bot_is_shown_connected(bot: RunningBot, peer: Peer) -> None:
    account = in_db(
        lambda: BotAccount.objects.filter(self_id="10001").values_list("connected", "transport").first(),
        lambda v: v is not None,
    )
    assert account == (True, "nonebot")


def test_join_request_of_a_roster_member_is_approved_through_the_plugin(bot: RunningBot, peer: Peer) -> None:
    peer.send(peer.events.join_request(GROUP_A, 30001, "问题：学号+姓名\n答案：2023010101 张小明", "flag-nb"))
    answer = peer.wait_action("set_group_add_request", timeout=10)
    assert answer.params == {"flag": "flag-nb", "sub_type": "add", "approve": True}
    outcome = in_db(
        lambda: JoinDecision.objects.filter(flag="flag-nb").values_list("outcome", flat=True).first(),
        lambda v: v is not None,
    )
    assert outcome == JoinOutcome.APPROVE
