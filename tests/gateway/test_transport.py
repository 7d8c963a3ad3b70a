"""The transports: tokens, malformed input, several bots, restarts, HTTP POST, forward WebSocket."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import pytest
import websocket

from qunguan.chats.models import ChatMessage
from qunguan.gateway import handling
from qunguan.gateway.models import ActionKind, ActionStatus, GatewayAction, InboxEvent, InboxState
from qunguan.gateway.protocol import Frame, signature
from qunguan.gateway.server import GatewayConfig
from tests.conftest import Cast
from tests.gateway.conftest import TOKEN, RunningGateway
from tests.gateway.peer import Events, ForwardPeer, Peer, Reply

GROUP_A = 600100200
PRIVATE = "电话13800138000，身份证110101199003071233"


def test_connection_without_the_token_is_refused(gateway: RunningGateway) -> None:
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        Peer(gateway.ws_url, token="wrong").connect()
    assert refused.value.status_code == 401
    with pytest.raises(websocket.WebSocketBadStatusException):
        Peer(gateway.ws_url, token="").connect()


def test_connection_without_self_id_is_refused(gateway: RunningGateway) -> None:
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(gateway.ws_url, header=[f"Authorization: Bearer {TOKEN}"], timeout=5)
    assert refused.value.status_code == 400


def test_malformed_input_does_not_kill_the_connection(gateway: RunningGateway, peer: Peer) -> None:
    peer.send_raw('{"post_type": "message", "message_type": "group", ')  # cut off
    peer.send_raw("[1, 2, 3]")
    peer.send_raw("not json at all")
    peer.send_raw(json.dumps({"hello": "world"}))
    peer.send({"post_type": "teleport", "self_id": 10001, "time": 1})  # unknown event type
    peer.send({"post_type": "message", "message_type": "group", "self_id": 10001})  # no ids
    peer.send_raw(json.dumps({"post_type": "message", "x": "字" * 1_100_000}))  # over the frame limit
    peer.send(peer.events.heartbeat())
    event = peer.message(GROUP_A, 20001, PRIVATE)
    recall = peer.wait_action("delete_msg")
    assert recall.params["message_id"] == event["message_id"]
    gateway.settle()
    assert not peer.closed.is_set()
    assert gateway.gateway.stats["dropped"] == 5
    failed = InboxEvent.objects.get(state=InboxState.FAILED)
    assert "缺少" in failed.error


def test_burst_of_messages_is_stored_completely_in_order(gateway: RunningGateway, peer: Peer) -> None:
    events = [peer.events.group_message(GROUP_A, 20001, f"第{n}条通知") for n in range(300)]
    for event in events:
        peer.send(event)
    gateway.wait_events(300)
    stored = list(
        ChatMessage.objects.filter(group_account=str(GROUP_A))
        .order_by("pk")
        .values_list("message_id", flat=True)
    )
    assert stored == [str(e["message_id"]) for e in events]


def test_two_bot_accounts_at_once_each_act_in_their_own_groups(
    gateway: RunningGateway, live_cast: Cast
) -> None:
    from qunguan.registry.actions import do_register_group

    gateway.do(
        do_register_group,
        None,
        platform="qq",
        account="600300400",
        name="声乐系学生群",
        unit=live_cast.vocal,
        member_scope="声乐系学生",
        purpose="通知",
        owner=live_cast.teacher_b,
        admins=[live_cast.teacher_b],
    )
    first, second = gateway.peer(10001), gateway.peer(10002)
    try:
        one = first.message(GROUP_A, 20001, PRIVATE)
        two = second.message(600300400, 20002, PRIVATE)
        assert first.wait_action("delete_msg").params["message_id"] == one["message_id"]
        assert second.wait_action("delete_msg").params["message_id"] == two["message_id"]
        gateway.settle()
        assert [a.params["message_id"] for a in first.named("delete_msg")] == [one["message_id"]]
        assert [a.params["message_id"] for a in second.named("delete_msg")] == [two["message_id"]]
        assert set(
            GatewayAction.objects.filter(kind=ActionKind.RECALL).values_list("self_id", flat=True)
        ) == {
            "10001",
            "10002",
        }
    finally:
        first.close()
        second.close()


def test_restart_loses_no_persisted_event(live_cast: Cast, config: GatewayConfig) -> None:
    events = Events(10001)
    # Persisted, then the process died before handling them.
    for n in range(3):
        event = events.group_message(GROUP_A, 20001, f"重启前第{n}条：电话13800138000")
        text = json.dumps(event, ensure_ascii=False)
        handling.receive("10001", text, Frame(event))
    assert InboxEvent.objects.filter(state=InboxState.PENDING).count() == 3
    running = RunningGateway(config)  # the restart
    try:
        peer = running.peer()
        running.settle()
        assert InboxEvent.objects.filter(state=InboxState.PENDING).count() == 0
        assert ChatMessage.objects.filter(text__startswith="重启前").count() == 3
        # Each recall decided on recovery was sent, or recorded as having found no bot to send it.
        statuses = list(GatewayAction.objects.filter(kind=ActionKind.RECALL).values_list("status", flat=True))
        assert len(statuses) == 3
        assert set(statuses) <= {ActionStatus.OK, ActionStatus.NO_BOT}
        # Handling the inbox again repeats nothing.
        assert running.run(running.gateway.recover()) == 0
        assert ChatMessage.objects.filter(text__startswith="重启前").count() == 3
        peer.close()
    finally:
        running.stop()


def test_same_event_delivered_twice_is_stored_and_acted_on_once(gateway: RunningGateway, peer: Peer) -> None:
    event = peer.events.group_message(GROUP_A, 20001, PRIVATE)
    peer.send(event)
    peer.send(event)
    gateway.settle()
    assert ChatMessage.objects.filter(message_id=str(event["message_id"])).count() == 1
    assert len(peer.named("delete_msg")) == 1


def _post(gateway: RunningGateway, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(gateway.http_url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 (http on loopback)
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def test_http_post_checks_the_signature_and_persists_before_answering(live_cast: Cast) -> None:
    running = RunningGateway(GatewayConfig(secret="post-secret", api_timeout=1.0))
    try:
        event = Events(10001).group_message(GROUP_A, 20001, "明早八点集合")
        body = json.dumps(event, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json", "X-Self-ID": "10001"}
        assert _post(running, body, headers | {"X-Signature": "sha1=" + "0" * 40}) == 403
        assert _post(running, body, headers) == 403
        assert not InboxEvent.objects.exists()
        assert _post(running, body, headers | {"X-Signature": signature("post-secret", body)}) == 204
        # Answered only after it was stored: no waiting needed.
        assert ChatMessage.objects.filter(message_id=str(event["message_id"])).exists()
        assert (
            _post(running, b"{broken", headers | {"X-Signature": signature("post-secret", b"{broken")}) == 400
        )
    finally:
        running.stop()


def test_forward_websocket_connects_out_and_reconnects_after_a_drop(live_cast: Cast) -> None:
    peer = ForwardPeer(token=TOKEN).start()
    running = RunningGateway(GatewayConfig(token=TOKEN, api_timeout=1.0, forward_urls=[peer.url]))
    running.peers.append(peer)
    try:
        assert peer.connected.wait(5)
        deadline = time.monotonic() + 5
        while "10003" not in running.gateway.links and time.monotonic() < deadline:
            time.sleep(0.05)
        event = peer.events.group_message(GROUP_A, 20001, PRIVATE)
        peer.send(event)
        assert peer.wait_action("delete_msg").params["message_id"] == event["message_id"]
        peer.drop()
        assert peer.connected.wait(5)  # back after the first back-off (1 s)
        assert peer.connections == 2
        again = peer.events.group_message(GROUP_A, 20001, PRIVATE)
        deadline = time.monotonic() + 5
        while "10003" not in running.gateway.links and time.monotonic() < deadline:
            time.sleep(0.05)
        peer.send(again)
        peer.wait_action("delete_msg", where=lambda a: a.params["message_id"] == again["message_id"])
        running.settle()
    finally:
        running.stop()
        peer.stop()


def test_notification_service_sends_qq_private_messages_through_the_gateway(
    gateway: RunningGateway, peer: Peer
) -> None:
    from qunguan.notify.channels.qq.transport import current_sender

    sender = current_sender()
    assert sender is not None
    sender("12345678", "【群管】群“作曲系教职工群”出现身份证号")
    sent = peer.wait_action("send_private_msg")
    assert sent.params == {"user_id": 12345678, "message": "【群管】群“作曲系教职工群”出现身份证号"}


def test_private_message_failure_reaches_the_notification_service(
    gateway: RunningGateway, peer: Peer
) -> None:
    from qunguan.gateway.protocol import ActionFailed
    from qunguan.notify.channels.qq.transport import current_sender

    peer.on("send_private_msg", Reply(retcode=103, wording="对方不是好友"))
    sender = current_sender()
    assert sender is not None
    with pytest.raises(ActionFailed, match="retcode=103"):
        sender("12345678", "测试")


def test_gateway_stopped_leaves_no_sender(live_cast: Cast, config: GatewayConfig) -> None:
    from qunguan.notify.channels.qq.transport import current_sender

    running = RunningGateway(config)
    running.stop()
    assert current_sender() is None


def test_unsigned_http_post_needs_the_access_token(gateway: RunningGateway) -> None:
    event = Events(10001).group_message(GROUP_A, 20001, "收到")
    body = json.dumps(event, ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json", "X-Self-ID": "10001"}
    assert _post(gateway, body, headers) == 401
    assert _post(gateway, body, headers | {"Authorization": f"Bearer {TOKEN}"}) == 204
