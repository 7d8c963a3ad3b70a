"""A OneBot v11 implementation for the suite (测试用 OneBot 对端), over real sockets on loopback.

``Peer`` plays NapCatQQ / Lagrange.OneBot in reverse-WebSocket mode: it connects to the gateway
with ``Authorization: Bearer``, ``X-Self-ID`` and ``X-Client-Role``, sends events (group
messages as segment arrays or CQ-code strings, notices, join requests, and on purpose malformed
JSON, unknown event types, huge frames and bursts) and answers every action the gateway sends
like an implementation would: ``{"status", "retcode", "data", "echo"}``, immediately or after a
delay, with success or the failure ``retcode`` a test asks for, or not at all.

``ForwardPeer`` is the same implementation in forward-WebSocket mode: it listens on a loopback
port (bound to port 0) and the gateway connects to it; it can drop the connection to test
reconnection.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import websocket
from aiohttp import web


@dataclass
class Reply:
    """How the peer answers one action: ``retcode`` 0 is success; ``silent`` never answers."""

    retcode: int = 0
    data: Any = None
    delay: float = 0.0
    silent: bool = False
    wording: str = ""


@dataclass
class SeenAction:
    """An action the peer received: its name, params, echo, and when it arrived."""

    api: str
    params: dict[str, Any]
    echo: Any
    at: float  # time.monotonic()


@dataclass
class _Script:
    """What the two peer kinds share: scripted replies and the record of actions."""

    self_id: int
    replies: dict[str, Reply] = field(default_factory=dict)
    actions: list[SeenAction] = field(default_factory=list)
    cond: threading.Condition = field(default_factory=threading.Condition)
    message_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1_000_001))
    sent_events: int = 0  # events (not heartbeats) sent so far, for tests to wait for

    def on(self, api: str, reply: Reply) -> None:
        """Answer every later ``api`` action with ``reply``."""
        self.replies[api] = reply

    def answer(self, frame: dict[str, Any]) -> tuple[Reply, dict[str, Any]] | None:
        """Record an action frame; return the reply and the response to send (None: stay silent)."""
        api = str(frame.get("action", ""))
        params = frame.get("params") if isinstance(frame.get("params"), dict) else {}
        with self.cond:
            self.actions.append(SeenAction(api, params, frame.get("echo"), time.monotonic()))
            self.cond.notify_all()
        reply = self.replies.get(api) or Reply(data=self.default_data(api, params))
        if reply.silent:
            return None
        status = "ok" if reply.retcode in (0, 1) else "failed"
        response = {
            "status": status if reply.retcode != 1 else "async",
            "retcode": reply.retcode,
            "data": reply.data,
            "echo": frame.get("echo"),
        }
        if reply.wording:
            response["wording"] = reply.wording
        return reply, response

    def default_data(self, api: str, params: dict[str, Any]) -> Any:
        if api in ("send_group_msg", "send_private_msg", "send_msg"):
            return {"message_id": next(self.message_ids)}
        if api == "get_login_info":
            return {"user_id": self.self_id, "nickname": "群管机器人"}
        return None

    def wait_action(
        self, api: str, *, timeout: float = 3.0, where: Callable[[SeenAction], bool] | None = None
    ) -> SeenAction:
        """Return the first received ``api`` action (matching ``where``); fail after ``timeout``."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for seen in self.actions:
                    if seen.api == api and (where is None or where(seen)):
                        return seen
                left = deadline - time.monotonic()
                if left <= 0:
                    names = [a.api for a in self.actions]
                    raise AssertionError(f"no {api} action within {timeout}s; received {names}")
                self.cond.wait(left)

    def named(self, api: str) -> list[SeenAction]:
        with self.cond:
            return [a for a in self.actions if a.api == api]


class Events:
    """Builders of OneBot v11 events as NapCat sends them."""

    def __init__(self, self_id: int) -> None:
        self.self_id = self_id
        self._ids = itertools.count(2001)

    def group_message(
        self,
        group_id: int,
        user_id: int,
        message: str | list[dict[str, Any]],
        *,
        message_id: int | None = None,
        card: str = "",
        nickname: str = "成员",
        role: str = "member",
        sent: bool = False,
    ) -> dict[str, Any]:
        """A group message; ``message`` a CQ-code string or a segment array."""
        raw = (
            message
            if isinstance(message, str)
            else "".join(s["data"].get("text", "") for s in message if s.get("type") == "text")
        )
        return {
            "time": int(time.time()),
            "self_id": self.self_id,
            "post_type": "message_sent" if sent else "message",
            "message_type": "group",
            "sub_type": "normal",
            "message_id": message_id if message_id is not None else next(self._ids),
            "group_id": group_id,
            "user_id": user_id,
            "anonymous": None,
            "message": message,
            "raw_message": raw,
            "font": 0,
            "sender": {"user_id": user_id, "nickname": nickname, "card": card, "role": role},
        }

    def join_request(self, group_id: int, user_id: int, comment: str, flag: str) -> dict[str, Any]:
        return {
            "time": int(time.time()),
            "self_id": self.self_id,
            "post_type": "request",
            "request_type": "group",
            "sub_type": "add",
            "group_id": group_id,
            "user_id": user_id,
            "comment": comment,
            "flag": flag,
        }

    def heartbeat(self) -> dict[str, Any]:
        return {
            "time": int(time.time()),
            "self_id": self.self_id,
            "post_type": "meta_event",
            "meta_event_type": "heartbeat",
            "status": {"online": True, "good": True},
            "interval": 30000,
        }

    def lifecycle(self) -> dict[str, Any]:
        return {
            "time": int(time.time()),
            "self_id": self.self_id,
            "post_type": "meta_event",
            "meta_event_type": "lifecycle",
            "sub_type": "connect",
        }


class Peer(_Script):
    """Reverse WebSocket mode: connects to the gateway's ``/onebot/v11/ws``."""

    def __init__(self, url: str, *, self_id: int = 10001, token: str = "", role: str = "Universal") -> None:
        super().__init__(self_id=self_id)
        self.url = url
        self.token = token
        self.role = role
        self.events = Events(self_id)
        self._ws: websocket.WebSocket | None = None
        self._send_lock = threading.Lock()
        self._reader: threading.Thread | None = None
        self.closed = threading.Event()

    def connect(self) -> Peer:
        headers = [f"X-Self-ID: {self.self_id}", f"X-Client-Role: {self.role}", "User-Agent: OneBot/11"]
        if self.token:
            headers.append(f"Authorization: Bearer {self.token}")
        self._ws = websocket.create_connection(self.url, header=headers, timeout=5, enable_multithread=True)
        self.closed.clear()
        self._reader = threading.Thread(target=self._read, name=f"peer-{self.self_id}", daemon=True)
        self._reader.start()
        return self

    def _read(self) -> None:
        ws = self._ws
        assert ws is not None
        try:
            while True:
                text = ws.recv()
                if not text:
                    break
                frame = json.loads(text)
                answered = self.answer(frame)
                if answered is None:
                    continue
                reply, response = answered
                if reply.delay:
                    threading.Timer(reply.delay, self.send_raw, args=(json.dumps(response),)).start()
                else:
                    self.send_raw(json.dumps(response))
        except (websocket.WebSocketException, OSError, ValueError):
            pass
        finally:
            self.closed.set()

    def send_raw(self, text: str) -> None:
        with self._send_lock:
            if self._ws is not None and self._ws.connected:
                self._ws.send(text)

    def send(self, event: dict[str, Any]) -> float:
        """Send one event; return ``time.monotonic()`` just before it went out."""
        at = time.monotonic()
        self.send_raw(json.dumps(event, ensure_ascii=False))
        if event.get("post_type") != "meta_event":
            self.sent_events += 1
        return at

    def message(
        self, group_id: int, user_id: int, message: str | list[dict[str, Any]], **kw: Any
    ) -> dict[str, Any]:
        event = self.events.group_message(group_id, user_id, message, **kw)
        self.send(event)
        return event

    def close(self) -> None:
        if self._ws is not None:
            self._ws.close()
        if self._reader is not None:
            self._reader.join(timeout=5)


class ForwardPeer(_Script):
    """Forward WebSocket mode: listens on loopback (port 0); the gateway connects to it."""

    def __init__(self, *, self_id: int = 10003, token: str = "") -> None:
        super().__init__(self_id=self_id)
        self.token = token
        self.events = Events(self_id)
        self.port = 0
        self.connections = 0
        self.refused = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="forward-peer", daemon=True)
        self._sockets: set[web.WebSocketResponse] = set()
        self._runner: web.AppRunner | None = None
        self.connected = threading.Event()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/"

    def start(self) -> ForwardPeer:
        self._thread.start()
        self.port = asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(5)
        return self

    async def _start(self) -> int:
        app = web.Application()
        app.router.add_get("/", self._ws)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        return int(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]

    async def _ws(self, request: web.Request) -> web.StreamResponse:
        if self.token and request.headers.get("Authorization") != f"Bearer {self.token}":
            self.refused += 1
            return web.Response(status=401)
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.add(ws)
        self.connections += 1
        self.connected.set()
        await ws.send_str(json.dumps(self.events.lifecycle()))
        async for msg in ws:
            frame = json.loads(msg.data)
            answered = self.answer(frame)
            if answered is not None:
                reply, response = answered
                if reply.delay:
                    await asyncio.sleep(reply.delay)
                await ws.send_str(json.dumps(response))
        self._sockets.discard(ws)
        return ws

    def send(self, event: dict[str, Any]) -> None:
        if event.get("post_type") != "meta_event":
            self.sent_events += 1

        async def push() -> None:
            for ws in list(self._sockets):
                await ws.send_str(json.dumps(event, ensure_ascii=False))

        asyncio.run_coroutine_threadsafe(push(), self._loop).result(5)

    def drop(self) -> None:
        """Close every connection from the gateway (the implementation restarted)."""

        async def close() -> None:
            for ws in list(self._sockets):
                await ws.close()

        self.connected.clear()
        asyncio.run_coroutine_threadsafe(close(), self._loop).result(5)

    def stop(self) -> None:
        async def stop() -> None:
            for ws in list(self._sockets):
                await ws.close()
            if self._runner is not None:
                await self._runner.cleanup()

        asyncio.run_coroutine_threadsafe(stop(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
