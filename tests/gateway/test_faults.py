"""Faults in the middle of a burst: the database goes away, the OneBot peer drops the connection.

The database fault is real on both backends: on SQLite the gateway's connection turns read-only
(``PRAGMA query_only``: every write fails with "attempt to write a readonly database", as with a
database file the gateway may not write); on PostgreSQL the database stops taking connections
and the gateway's server processes are killed with ``pg_terminate_backend`` while the peer sends. Either way every event the peer sent is
stored exactly once after the database is back, because events the gateway read are kept in
order and persisted (retried) before anything newer.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any

import pytest
from django.db import connection

from qunguan.chats.models import ChatMessage
from qunguan.gateway.models import ActionKind, ActionStatus, GatewayAction, InboxEvent, InboxState
from tests.gateway.conftest import TOKEN, RunningGateway
from tests.gateway.peer import Events, Peer, Reply

GROUP_A = 600100200
PRIVATE = "电话13800138000，身份证110101199003071233"
ON_POSTGRES = connection.vendor == "postgresql"


def _stored_ids() -> list[str]:
    return list(
        ChatMessage.objects.filter(group_account=str(GROUP_A))
        .order_by("pk")
        .values_list("message_id", flat=True)
    )


def _send_burst(peer: Peer, first: int, count: int, *, pause_every: int = 0) -> list[dict[str, Any]]:
    events = []
    for n in range(first, first + count):
        event = peer.events.group_message(GROUP_A, 20001 + n % 7, f"第{n}条工作通知", message_id=900_000 + n)
        peer.send(event)
        events.append(event)
        if pause_every and n % pause_every == 0:
            time.sleep(0.01)
    return events


class DatabaseOutage:
    """Take the gateway's database away (``begin``) and bring it back (``end``)."""

    def __init__(self, gateway: RunningGateway) -> None:
        self.gateway = gateway
        self.killed = 0

    def begin(self) -> None:
        if not ON_POSTGRES:
            # The gateway's one database thread holds the only connection that writes.
            self.gateway.do(lambda: connection.cursor().execute("PRAGMA query_only = ON"))
            return
        # The server stops taking connections, then kills every one but the test's own: the
        # gateway's reconnects are refused until ``end`` (killing in a loop instead leaves gaps
        # in which a reconnect gets through and an event is stored during the "outage").
        _on_maintenance_db("ALLOW_CONNECTIONS false")
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND backend_type = 'client backend'"
            )
            self.killed += sum(1 for (ok,) in cursor.fetchall() if ok)

    def end(self) -> None:
        if not ON_POSTGRES:
            self.gateway.do(lambda: connection.cursor().execute("PRAGMA query_only = OFF"))
            return
        _on_maintenance_db("ALLOW_CONNECTIONS true")


def _on_maintenance_db(option: str) -> None:
    """``ALTER DATABASE <the test database> <option>``, from the server's ``postgres`` database.

    (PostgreSQL refuses to disallow connections to the database the command runs in.)
    """
    import psycopg

    conf = connection.settings_dict
    with psycopg.connect(
        dbname="postgres",
        user=conf["USER"],
        password=conf["PASSWORD"] or None,
        host=conf["HOST"] or None,
        port=conf["PORT"] or None,
        autocommit=True,
    ) as admin:
        admin.execute(f"ALTER DATABASE {connection.ops.quote_name(conf['NAME'])} {option}")


def test_database_lost_mid_burst_stores_every_event_exactly_once_when_it_is_back(
    gateway: RunningGateway, peer: Peer
) -> None:
    before = _send_burst(peer, 0, 100)
    gateway.wait_events(100)
    outage = DatabaseOutage(gateway)
    outage.begin()
    during = _send_burst(peer, 100, 200, pause_every=20)
    time.sleep(1.0)  # the gateway meets the dead database and keeps what it read
    assert gateway.gateway.stats["database_retries"] > 0
    assert not peer.closed.is_set()  # the bot stays connected
    outage.end()
    after = _send_burst(peer, 300, 100)
    gateway.settle(timeout=30)

    sent = [str(e["message_id"]) for e in before + during + after]
    assert _stored_ids() == sent  # every event once, in the order sent
    assert InboxEvent.objects.count() == len(sent)  # persisted once each: no event twice in the inbox
    assert not InboxEvent.objects.exclude(state=InboxState.DONE).exists()
    if ON_POSTGRES:
        assert outage.killed > 0


def test_recall_decided_while_the_database_was_away_is_sent_once_it_is_back(
    gateway: RunningGateway, peer: Peer
) -> None:
    outage = DatabaseOutage(gateway)
    outage.begin()
    event = peer.message(GROUP_A, 20001, PRIVATE)
    time.sleep(0.5)
    assert not peer.named("delete_msg")  # nothing is acted on before it is persisted
    outage.end()
    recall = peer.wait_action("delete_msg", timeout=10)
    assert recall.params["message_id"] == event["message_id"]
    gateway.settle()
    assert ChatMessage.objects.filter(message_id=str(event["message_id"])).count() == 1
    assert len(peer.named("delete_msg")) == 1


def _drop(peer: Peer) -> None:
    """The implementation dies: the TCP connection goes without a WebSocket close frame."""
    assert peer._ws is not None
    peer._ws.shutdown()
    peer.closed.wait(5)


def test_peer_dropping_mid_burst_and_redelivering_loses_and_duplicates_nothing(
    gateway: RunningGateway, peer: Peer
) -> None:
    first = _send_burst(peer, 0, 150)
    _drop(peer)
    # The implementation comes back and, unsure what arrived, delivers the whole burst again.
    again = gateway.peer()
    for event in first:
        again.send(event)
    rest = _send_burst(again, 150, 150)
    gateway.settle(timeout=30)

    stored = _stored_ids()
    sent = [str(e["message_id"]) for e in first + rest]
    assert sorted(stored) == sorted(sent)  # none lost
    assert len(stored) == len(set(stored))  # none twice
    assert stored[150:] == [str(e["message_id"]) for e in rest]
    again.close()


def test_actions_pending_when_the_peer_drops_fail_cleanly_and_the_next_connection_acts(
    gateway: RunningGateway, peer: Peer
) -> None:
    peer.on("delete_msg", Reply(silent=True))  # the recall is sent but never answered
    lost = peer.message(GROUP_A, 20001, PRIVATE)
    peer.wait_action("delete_msg")
    _drop(peer)
    again = gateway.peer()
    event = again.message(GROUP_A, 20002, PRIVATE, message_id=3001)
    assert again.wait_action("delete_msg", timeout=5).params["message_id"] == event["message_id"]
    gateway.settle()

    pending = GatewayAction.objects.get(kind=ActionKind.RECALL, message_ref=str(lost["message_id"]))
    assert pending.status == ActionStatus.NO_BOT  # failed at the drop, not after the timeout
    assert pending.finished_at is not None
    answered = GatewayAction.objects.get(kind=ActionKind.RECALL, message_ref=str(event["message_id"]))
    assert answered.status == ActionStatus.OK
    assert ChatMessage.objects.filter(group_account=str(GROUP_A)).count() == 2
    again.close()


def _post(gateway: RunningGateway, event: dict[str, Any]) -> int:
    body = json.dumps(event, ensure_ascii=False).encode()
    headers = {"Authorization": f"Bearer {TOKEN}", "X-Self-ID": "10001", "Content-Type": "application/json"}
    request = urllib.request.Request(gateway.http_url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (http on loopback)
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def test_http_post_while_the_database_is_away_is_refused_so_the_bot_can_post_again(
    gateway: RunningGateway,
) -> None:
    event = Events(10001).group_message(GROUP_A, 20001, "下午三点开会", message_id=4242)
    outage = DatabaseOutage(gateway)
    outage.begin()
    try:
        refused = _post(gateway, event)
    finally:
        outage.end()
    assert refused == 503  # not persisted, and the implementation is told so
    assert _post(gateway, event) == 204  # posted again once the database is back
    gateway.settle()
    assert ChatMessage.objects.filter(message_id="4242").count() == 1


@pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL 连接被服务器终止")
def test_connection_terminated_while_idle_is_replaced_before_the_next_event(
    gateway: RunningGateway, peer: Peer
) -> None:
    outage = DatabaseOutage(gateway)
    outage.begin()
    time.sleep(0.3)  # the gateway's polling meets the terminated connection
    outage.end()
    event = peer.message(GROUP_A, 20001, PRIVATE)
    assert peer.wait_action("delete_msg", timeout=10).params["message_id"] == event["message_id"]
    gateway.settle()
    assert ChatMessage.objects.filter(message_id=str(event["message_id"])).count() == 1
