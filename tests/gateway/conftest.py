"""The gateway under test runs in its own thread and event loop; peers talk to it over loopback."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from qunguan.gateway.server import Gateway, GatewayConfig
from tests.conftest import Cast, fixed_cast
from tests.gateway.peer import Peer

TOKEN = "test-gateway-token"


class RunningGateway:
    """A started ``Gateway`` on a loopback port (port 0), driven from the test's thread."""

    def __init__(self, config: GatewayConfig) -> None:
        self.gateway = Gateway(config)
        self.peers: list[Any] = []  # peers whose sent events ``settle`` waits for
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="gateway", daemon=True)
        self.thread.start()
        self.port = self.run(self.gateway.start("127.0.0.1", 0))

    def run(self, coro: Any, timeout: float = 10) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/onebot/v11/ws"

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/onebot/v11/http"

    def peer(self, self_id: int = 10001, **kw: Any) -> Peer:
        kw.setdefault("token", self.gateway.config.token)
        peer = Peer(self.ws_url, self_id=self_id, **kw).connect()
        self.peers.append(peer)
        if peer.role.lower() in ("universal", "api"):
            # The peer's handshake completes a moment before the gateway files the link under
            # the bot's account; a test that sends an action at once must not race that.
            deadline = time.monotonic() + 5
            while str(self_id) not in self.gateway.links:
                assert time.monotonic() < deadline, f"机器人 {self_id} 未在网关登记"
                time.sleep(0.01)
        return peer

    def do(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """Run ``fn`` in the gateway's database thread and return its result.

        For a test's own writes while the gateway runs: the in-memory test database locks whole
        tables, so a write from the test's thread could meet the gateway's polling.
        """
        return self.run(self.gateway.db(lambda: fn(*args, **kwargs)))

    def wait_events(self, count: int, timeout: float = 20) -> None:
        """Wait until the gateway has read ``count`` events (then ``settle`` before reading the database).

        Polls the gateway's counters, never the database: the in-memory test database locks whole
        tables while the gateway writes.
        """
        deadline = time.monotonic() + timeout
        while self.gateway.stats["events"] < count:
            assert time.monotonic() < deadline, f"only {self.gateway.stats['events']} of {count} events read"
            time.sleep(0.02)
        self.settle(timeout)

    def settle(self, timeout: float = 5) -> None:
        """Wait until every event the peers sent is handled and every action's outcome recorded.

        Only then may the test read the database: the in-memory test database locks whole tables
        while the gateway writes.
        """
        expected = sum(p.sent_events for p in self.peers)
        deadline = time.monotonic() + timeout
        while self.gateway.stats["events"] < expected:
            assert time.monotonic() < deadline, (
                f"only {self.gateway.stats['events']} of {expected} events handled"
            )
            time.sleep(0.01)

        def busy() -> list[asyncio.Task[Any]]:
            # Tasks that end in database writes: sending a handled event's actions, member syncs.
            names = ("_perform_all", "_resync", "_send_warning")
            return [
                t for t in self.gateway._tasks if not t.done() and any(n in repr(t.get_coro()) for n in names)
            ]

        async def idle() -> None:
            for _ in range(100):
                await self.gateway.db(lambda: None)
                waiting = busy()
                if waiting:
                    await asyncio.gather(*waiting, return_exceptions=True)
                    continue
                await asyncio.sleep(0.02)
                await self.gateway.db(lambda: None)
                if not busy():
                    return

        self.run(idle(), timeout)

    def stop(self) -> None:
        self.run(self.gateway.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)


@pytest.fixture(autouse=True)
def _fresh_auditors(shared_phrase_skeletons: None) -> Iterator[None]:
    """Each test gets its own auditors: their conversation detectors remember a group's earlier
    messages (flooding, repeats), so one test's messages would colour the next test's findings."""
    from qunguan.chats.actions import auditor
    from qunguan.gateway.handling import _fast_auditor

    auditor.cache_clear()
    _fast_auditor.cache_clear()
    yield
    auditor.cache_clear()
    _fast_auditor.cache_clear()


@pytest.fixture
def live_cast(transactional_db: Any) -> Cast:
    return fixed_cast()


@pytest.fixture
def config() -> GatewayConfig:
    return GatewayConfig(token=TOKEN, api_timeout=1.0, resync_delay=0.2)


@pytest.fixture
def gateway(live_cast: Cast, config: GatewayConfig) -> Iterator[RunningGateway]:
    running = RunningGateway(config)
    yield running
    running.stop()


@pytest.fixture
def peer(gateway: RunningGateway) -> Iterator[Peer]:
    p = gateway.peer()
    yield p
    p.close()
