"""Live handling over reverse WebSocket: recall, warn, mute, with every action on the finding."""

from __future__ import annotations

import time

from qunguan.auditlog.events import AuditEvent
from qunguan.auditlog.models import AuditLogEntry
from qunguan.chats.models import ChatMessage, Finding
from qunguan.gateway.models import ActionKind, ActionStatus, GatewayAction, InboxEvent, InboxState
from tests.conftest import Cast
from tests.gateway.conftest import RunningGateway
from tests.gateway.peer import Peer, Reply

GROUP_A = 600100200  # the cast's registered QQ group 作曲系教职工群
PRIVATE = "我的手机号13800138000，身份证号110101199003071233，麻烦登记一下"


def test_phone_and_id_card_message_is_recalled_within_a_second(gateway: RunningGateway, peer: Peer) -> None:
    event = peer.events.group_message(GROUP_A, 20001, PRIVATE, card="王老师")
    sent = peer.send(event)
    recall = peer.wait_action("delete_msg", timeout=2)
    assert recall.params == {"message_id": event["message_id"]}
    assert recall.at - sent < 1.0
    gateway.settle()
    message = ChatMessage.objects.get(group_account=str(GROUP_A), message_id=str(event["message_id"]))
    assert message.group is not None
    assert message.group.account == str(GROUP_A)
    categories = set(message.findings.values_list("category", flat=True))
    assert {"privacy.phone", "privacy.id_card"} <= categories
    action = GatewayAction.objects.get(kind=ActionKind.RECALL)
    assert action.status == ActionStatus.OK
    assert action.finding is not None
    assert action.finding.category == "privacy.id_card"
    assert action.finding.gateway_actions.filter(kind=ActionKind.RECALL).exists()
    assert AuditLogEntry.objects.filter(event_type=AuditEvent.GATEWAY_MESSAGE_RECALLED).count() == 1


def test_group_is_warned_naming_the_rule_after_a_recall(gateway: RunningGateway, peer: Peer) -> None:
    peer.message(GROUP_A, 20001, PRIVATE)
    warning = peer.wait_action("send_group_msg")
    assert warning.params["group_id"] == GROUP_A
    at, text = warning.params["message"]
    assert at == {"type": "at", "data": {"qq": "20001"}}
    assert "身份证号" in text["data"]["text"]
    assert "已被撤回" in text["data"]["text"]
    assert "第二条第（四）项" in text["data"]["text"]
    # Recall first, then the warning.
    names = [a.api for a in peer.actions]
    assert names.index("delete_msg") < names.index("send_group_msg")


def test_cq_code_message_is_audited_like_an_array(gateway: RunningGateway, peer: Peer) -> None:
    peer.message(GROUP_A, 20001, "[CQ:at,qq=20002] 请联系我13800138000[CQ:face,id=14]")
    recall = peer.wait_action("delete_msg")
    assert recall.params["message_id"]
    gateway.settle()
    message = ChatMessage.objects.get(message_id=str(recall.params["message_id"]))
    assert "[表情]" in message.text


def test_clean_message_is_stored_and_nothing_is_done(gateway: RunningGateway, peer: Peer) -> None:
    event = peer.message(GROUP_A, 20001, [{"type": "text", "data": {"text": "明天上午九点开教研会"}}])
    gateway.settle()
    assert ChatMessage.objects.filter(message_id=str(event["message_id"])).exists()
    assert peer.actions == []
    assert InboxEvent.objects.get().state == InboxState.DONE


def test_repeat_offender_is_muted(gateway: RunningGateway, peer: Peer, settings: object) -> None:
    for n in range(3):
        peer.message(GROUP_A, 20009, f"第{n}次：我的电话13900139000")
        gateway.settle()
    mute = peer.wait_action("set_group_ban")
    assert mute.params == {"group_id": GROUP_A, "user_id": 20009, "duration": 60 * 60}
    assert len(peer.named("set_group_ban")) == 1  # not before the third violation
    assert len(peer.named("send_group_msg")) == 1  # one warning a minute, however many violations
    gateway.settle()
    action = GatewayAction.objects.get(kind=ActionKind.MUTE)
    assert action.status == ActionStatus.OK
    assert action.finding is not None
    assert AuditLogEntry.objects.filter(event_type=AuditEvent.GATEWAY_MEMBER_MUTED).count() == 1


def test_group_admins_are_muted_never(gateway: RunningGateway, peer: Peer) -> None:
    for _ in range(4):
        peer.message(GROUP_A, 20010, "电话13900139000", role="admin")
        gateway.settle()
    assert peer.named("set_group_ban") == []


def test_failed_recall_is_recorded_and_logged(gateway: RunningGateway, peer: Peer) -> None:
    peer.on("delete_msg", Reply(retcode=100, wording="消息不存在"))
    peer.message(GROUP_A, 20001, PRIVATE)
    peer.wait_action("delete_msg")
    gateway.settle()
    action = GatewayAction.objects.get(kind=ActionKind.RECALL)
    assert action.status == ActionStatus.FAILED
    assert action.retcode == 100
    assert "消息不存在" in action.error
    assert AuditLogEntry.objects.filter(event_type=AuditEvent.GATEWAY_ACTION_FAILED).count() == 1


def test_unanswered_recall_times_out_and_a_slow_answer_is_ignored(
    gateway: RunningGateway, peer: Peer
) -> None:
    peer.on("delete_msg", Reply(delay=1.5))  # the gateway waits 1 s in these specs
    peer.message(GROUP_A, 20001, PRIVATE)
    peer.wait_action("delete_msg")
    time.sleep(1.2)
    gateway.settle()
    assert GatewayAction.objects.get(kind=ActionKind.RECALL).status == ActionStatus.TIMEOUT
    time.sleep(0.5)  # the late answer arrives and matches nothing
    assert gateway.gateway.stats["stray_responses"] >= 1


def test_message_in_an_unregistered_group_is_stored_but_not_acted_on(
    gateway: RunningGateway, peer: Peer
) -> None:
    event = peer.message(777000111, 20001, PRIVATE)
    gateway.settle()
    message = ChatMessage.objects.get(message_id=str(event["message_id"]))
    assert message.group is None
    assert Finding.objects.filter(message=message).exists()
    assert peer.actions == []


def test_findings_of_live_messages_wait_in_the_review_queue(
    live_cast: Cast, gateway: RunningGateway, peer: Peer
) -> None:
    from qunguan.chats.access import visible_findings

    peer.message(GROUP_A, 20001, PRIVATE)
    gateway.settle()
    assert visible_findings(live_cast.manager_a).filter(group=live_cast.group_a).exists()
    assert not visible_findings(live_cast.manager_b).exists()


def test_member_still_muted_is_not_muted_again(gateway: RunningGateway, peer: Peer) -> None:
    for n in range(5):
        peer.message(GROUP_A, 20011, f"第{n}次：我的电话13900139000")
        gateway.settle()
    assert len(peer.named("set_group_ban")) == 1
    assert GatewayAction.objects.filter(kind=ActionKind.WARN, user_id="20011").count() == 5
    assert GatewayAction.objects.filter(kind=ActionKind.WARN, status=ActionStatus.SUPPRESSED).count() == 4


def test_reviewers_warning_is_delivered_in_the_group(
    live_cast: Cast, gateway: RunningGateway, peer: Peer
) -> None:
    from django.utils import timezone

    from qunguan.chats.models import SenderWarning, WarningStatus
    from qunguan.chats.sender_warnings import do_warn_sender
    from qunguan.gateway.models import BotGroup

    gateway.do(
        BotGroup.objects.create,
        self_id="10001",
        account=str(GROUP_A),
        group=live_cast.group_a,
        synced_at=timezone.now(),
    )
    peer.message(GROUP_A, 20001, PRIVATE)
    gateway.settle()
    finding = Finding.objects.filter(category="privacy.id_card").get()
    warning = gateway.do(
        do_warn_sender, live_cast.manager_a, finding, text="请勿在群内发布他人身份证号，已记录一次警告。"
    )
    sent = peer.wait_action(
        "send_group_msg", where=lambda a: a.params["message"][-1]["data"]["text"].startswith("请勿在群内")
    )
    assert sent.params["group_id"] == GROUP_A
    assert sent.params["message"][0] == {"type": "at", "data": {"qq": "20001"}}
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        gateway.settle()
        if (
            gateway.run(gateway.gateway.db(lambda: SenderWarning.objects.get(pk=warning.pk).status))
            == WarningStatus.SENT
        ):
            break
        time.sleep(0.05)
    assert SenderWarning.objects.get(pk=warning.pk).status == WarningStatus.SENT
