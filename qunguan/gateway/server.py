"""The gateway runtime (网关): transports in, one database thread, actions out.

One asyncio loop serves the reverse WebSocket (``/onebot/v11/ws``; the OneBot side connects in),
the HTTP POST receiver (``/onebot/v11/http``), and the forward WebSocket clients. Every event
goes to one database thread (``handling``), which persists it before handling it — Django's
ORM stays in synchronous code, and SQLite sees one writer. The calls a handled event asks for
(recall, warn, mute, join decisions) are sent as tasks, so a slow bot answer never holds up the
reading of the next event; each answer (or timeout, or failure ``retcode``) is recorded.

A frame that is not OneBot (bad JSON, unknown shape, over ``max_frame``) is logged and dropped:
the connection stays up.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

import aiohttp
from aiohttp import web
from django.db import InterfaceError, OperationalError, connections

from qunguan.gateway import handling, presence, protocol
from qunguan.gateway.handling import Call, Outcome
from qunguan.gateway.links import HttpApiLink, Link, WebSocketLink
from qunguan.gateway.models import ActionStatus
from qunguan.gateway.protocol import ActionFailed, ActionTimeout, Frame, NotConnected, ProtocolError
from qunguan.gateway.sync_requests import SYNC_API

logger = logging.getLogger("qunguan.gateway")
T = TypeVar("T")

WS_PATHS = ("/onebot/v11/ws", "/onebot/v11/ws/", "/onebot/v11/", "/ws", "/")
HTTP_PATHS = ("/onebot/v11/http", "/onebot/v11/http/", "/http")
ROLES = frozenset({"universal", "event", "api"})
# Events read from one connection but not yet handled; reading pauses when it is full.
EVENT_QUEUE = 5000
# Most events handled in one database round (events that queued up while the last round ran).
MAX_BATCH = 500
# Events handled (stored, audited, acted on) in one database round between two triages.
HANDLE_CHUNK = 50
# How often actions queued outside the gateway (the sanction list) are looked for.
QUEUE_POLL_SECONDS = 1.0
# The database unreachable or refusing writes (a terminated PostgreSQL connection, a read-only
# or full SQLite file): events read are kept, in order, and persisting is retried with back-off.
DATABASE_DOWN = (OperationalError, InterfaceError)
RETRY_FIRST_SECONDS = 0.1
RETRY_MAX_SECONDS = 5.0


@dataclass
class GatewayConfig:
    """What the gateway needs from the settings (``QUNGUAN_GATEWAY_*``)."""

    token: str = ""
    secret: str = ""
    api_timeout: float = 10.0
    max_frame: int = 1024 * 1024
    forward_urls: list[str] = field(default_factory=list)
    http_api: dict[str, str] = field(default_factory=dict)
    sync_minutes: float = 0.0
    resync_delay: float = 5.0  # seconds from a member change to the sync of that group

    @classmethod
    def from_settings(cls) -> GatewayConfig:
        from django.conf import settings

        from qunguan.gateway.links import parse_http_api

        return cls(
            token=settings.QUNGUAN_GATEWAY_TOKEN,
            secret=settings.QUNGUAN_GATEWAY_SECRET,
            api_timeout=settings.QUNGUAN_GATEWAY_API_TIMEOUT,
            max_frame=settings.QUNGUAN_GATEWAY_MAX_FRAME,
            forward_urls=list(settings.QUNGUAN_GATEWAY_FORWARD_URLS),
            http_api=parse_http_api(settings.QUNGUAN_GATEWAY_HTTP_API),
            sync_minutes=settings.QUNGUAN_GATEWAY_SYNC_MINUTES,
        )


class Gateway:
    """The running gateway. ``await start(host, port)`` → the port it listens on; ``await stop()``."""

    def __init__(self, config: GatewayConfig | None = None) -> None:
        self.config = config or GatewayConfig()
        self.links: dict[str, Link] = {}
        self.http_links: dict[str, Link] = {}
        self.stats: Counter[str] = Counter()
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="qunguan-gateway-db")
        self._tasks: set[asyncio.Task[Any]] = set()
        self._sockets: set[web.WebSocketResponse] = set()
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping = False
        self._warnings_in_flight: set[int] = set()
        self._resyncing: set[tuple[str, str]] = set()
        self._seen_at: dict[str, float] = {}  # bot → when its presence was last written (monotonic)
        self.port = 0

    # --- life cycle -----------------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application(client_max_size=max(self.config.max_frame * 4, 1024 * 1024))
        for path in WS_PATHS:
            app.router.add_get(path, self._ws)
        for path in HTTP_PATHS:
            app.router.add_post(path, self._http)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        """Listen, handle what the inbox still holds, connect out; return the port listened on."""
        self._loop = asyncio.get_running_loop()
        self._session = aiohttp.ClientSession()
        for self_id, url in self.config.http_api.items():
            self.http_links[self_id] = HttpApiLink(self_id, url, self.config.token, self._session)
        # Lexicons and models load before the port opens, not while the first events wait.
        await self.db(handling.warm_up)
        self._runner = web.AppRunner(self.app(), access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1] if sockets else port
        logger.info(
            "QQ 网关在 %s:%s 监听（反向 WebSocket /onebot/v11/ws，HTTP POST /onebot/v11/http）",
            host,
            self.port,
        )
        await self.recover()
        from qunguan.gateway.forward import forward_client

        for url in self.config.forward_urls:
            self.spawn(forward_client(self, url))
        self.spawn(self._send_queued())
        if self.config.sync_minutes > 0:
            from qunguan.gateway.sync import periodic_sync

            self.spawn(periodic_sync(self, self.config.sync_minutes * 60))
        self._register_notify_sender()
        return self.port

    async def stop(self) -> None:
        """Close every connection, finish the database work, release the database thread."""
        self._stopping = True
        self._unregister_notify_sender()
        with contextlib.suppress(Exception):
            await self.db(presence.mark_disconnected, [*self.links, *self.http_links])
        for ws in list(self._sockets):
            with contextlib.suppress(Exception):
                await ws.close(code=aiohttp.WSCloseCode.GOING_AWAY, message=b"gateway stopping")
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()
        await self.db(connections.close_all)
        self._db.shutdown(wait=True)

    async def recover(self) -> int:
        """Handle the events persisted but not handled (a crash or stop in between); return how many."""
        ids = await self.db(handling.pending_events)
        for start in range(0, len(ids), MAX_BATCH):
            self.dispatch(await self.db(handling.handle_many, ids[start : start + MAX_BATCH]))
        if ids:
            logger.info("重新处理了 %d 个上次未处理完的事件", len(ids))
        return len(ids)

    async def _send_queued(self) -> None:
        """Send the actions queued by people (全校联动处置) every ``QUEUE_POLL_SECONDS``."""
        from qunguan.gateway.actions import queued_actions

        beat = 0.0
        while not self._stopping:
            online = {*self.links, *self.http_links}
            if online and asyncio.get_running_loop().time() - beat >= presence.BEAT_SECONDS:
                beat = asyncio.get_running_loop().time()
                with contextlib.suppress(Exception):
                    await self.db(presence.mark_seen, sorted(self.links))
                    await self.db(presence.mark_seen, sorted(set(self.http_links) - set(self.links)), "http")
            try:
                # Actions of a bot that is not connected wait in the queue until it connects.
                rows = await self.db(functools.partial(queued_actions, bots=online))
            except Exception:
                logger.exception("读取待发送的处置失败")
                rows = []
            # A sync request (the scheduler's ``gateway_sync``) is answered by the gateway itself.
            syncs = [r for r in rows if r[2] == SYNC_API]
            rows = [r for r in rows if r[2] != SYNC_API]
            for pk, self_id, _api, _params in syncs:
                self.spawn(self._sync_requested(pk, self_id))
            if rows:
                self.dispatch(Outcome([Call(self_id, api, params, pk) for pk, self_id, api, params in rows]))
            try:
                await self._send_warnings()
            except Exception:
                logger.exception("发送审核员的警告失败")
            await asyncio.sleep(QUEUE_POLL_SECONDS)

    async def _sync_requested(self, action_id: int, self_id: str) -> None:
        """Sync one bot as a queued request asked (``sync_requests``) and record the outcome on it."""
        from qunguan.gateway.sync import sync_bot

        status, error = ActionStatus.OK, ""
        try:
            report = await sync_bot(self, self_id)
            error = "；".join(report.errors)[:300]
        except ActionTimeout as exc:
            status, error = ActionStatus.TIMEOUT, str(exc)
        except NotConnected as exc:
            status, error = ActionStatus.NO_BOT, str(exc)
        except (ActionFailed, ProtocolError) as exc:
            status, error = ActionStatus.FAILED, str(exc)
        await self.db(functools.partial(handling.record_result, action_id, status, error=error))

    async def _send_warnings(self) -> None:
        """Send the reviewers' pending warnings of QQ groups that a connected bot sits in."""
        from qunguan.gateway import warnings

        if not self.links and not self.http_links:
            return
        for item in await self.db(warnings.due, set(self._warnings_in_flight)):
            self_id = next((b for b in item.bots if b in self.links or b in self.http_links), None)
            if self_id is None:
                continue  # no connected bot sits in that group: the warning waits
            self._warnings_in_flight.add(item.warning_id)
            self.spawn(self._send_warning(self_id, item))

    async def _send_warning(self, self_id: str, item: Any) -> None:
        from qunguan.gateway import warnings

        ok, error = True, ""
        try:
            await self.call(self_id, "send_group_msg", item.params)
        except (ActionFailed, ActionTimeout, NotConnected) as exc:
            ok, error = False, str(exc)
        try:
            await self.db(warnings.record, item.warning_id, ok, error)
        finally:
            self._warnings_in_flight.discard(item.warning_id)

    async def present(self, self_id: str, transport: str) -> None:
        """Record that the bot ``self_id`` connected (for the web pages); never fails the connection."""
        self._seen_at[self_id] = asyncio.get_running_loop().time()
        try:
            await self.db(presence.mark_connected, self_id, transport)
        except Exception:
            logger.exception("记录机器人 %s 的连接状态失败", self_id)

    async def absent(self, self_id: str) -> None:
        """Record that the bot ``self_id`` disconnected (unless the gateway is stopping: ``stop`` does)."""
        self._seen_at.pop(self_id, None)
        if self._stopping:
            return
        try:
            await self.db(presence.mark_disconnected, [self_id])
        except Exception:
            logger.exception("记录机器人 %s 的断开失败", self_id)

    async def _note_seen(self, self_ids: set[str]) -> None:
        """Write ``last_seen`` of bots heard from, at most once per ``presence.BEAT_SECONDS`` each."""
        now = asyncio.get_running_loop().time()
        due = [
            i
            for i in self_ids
            if i and now - self._seen_at.get(i, -presence.BEAT_SECONDS) >= presence.BEAT_SECONDS
        ]
        if not due:
            return
        for self_id in due:
            self._seen_at[self_id] = now
        try:
            await self.db(presence.mark_seen, [i for i in due if i in self.links])
            # Heard from without a WebSocket: a bot posting events over HTTP.
            await self.db(presence.mark_seen, [i for i in due if i not in self.links], "http")
        except Exception:
            logger.exception("记录机器人的最后联系时间失败")

    def spawn(self, coro: Any) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def db(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(*args)`` in the database thread and return its result."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._db, functools.partial(_in_db_thread, fn, *args))

    # --- transports ----------------------------------------------------------------------

    async def _ws(self, request: web.Request) -> web.StreamResponse:
        """Reverse WebSocket: a OneBot implementation connects in (X-Self-ID, X-Client-Role)."""
        if not protocol.bearer_ok(
            self.config.token, request.headers.get("Authorization"), request.query.get("access_token")
        ):
            logger.warning("拒绝了来自 %s 的连接：访问令牌不正确", request.remote)
            return web.Response(status=401, text="访问令牌不正确（Authorization: Bearer）")
        self_id = protocol.account(request.headers.get("X-Self-ID"))
        if self_id is None:
            return web.Response(status=400, text="缺少 X-Self-ID（机器人QQ号）")
        role = (request.headers.get("X-Client-Role") or "Universal").strip().lower()
        if role not in ROLES:
            return web.Response(status=400, text=f"无法识别的 X-Client-Role“{role}”")
        ws = web.WebSocketResponse(
            max_msg_size=max(self.config.max_frame * 16, 16 * 1024 * 1024), autoping=True
        )
        await ws.prepare(request)
        self._sockets.add(ws)
        link = WebSocketLink(self_id, ws.send_str, "reverse")
        if role in ("universal", "api"):
            self.links[self_id] = link  # a reconnecting bot's new socket replaces the old one
        logger.info("机器人 %s 已连接（反向 WebSocket，%s）", self_id, role)
        await self.present(self_id, "reverse")
        try:
            await self.read(ws, self_id, link)
        finally:
            self._sockets.discard(ws)
            if self.links.get(self_id) is link:
                del self.links[self_id]
                await self.absent(self_id)
            link.echoes.fail_all(NotConnected(self_id))
            logger.info("机器人 %s 断开连接", self_id)
        return ws

    async def read(self, ws: Any, self_id: str, link: WebSocketLink) -> None:
        """Read frames from one WebSocket until it closes.

        Responses are matched at once; events go through a queue to one consumer, in order, so
        that an answer the database thread waits for (a QQ notice sent while handling) is never
        stuck behind the event being handled.
        """
        queue: asyncio.Queue[tuple[str, str, Frame] | None] = asyncio.Queue(maxsize=EVENT_QUEUE)
        consumer = self.spawn(self._consume(queue))
        try:
            async for msg in ws:
                if msg.type == aiohttp.WSMsgType.TEXT:
                    text = msg.data
                elif msg.type == aiohttp.WSMsgType.BINARY:
                    text = msg.data.decode("utf-8", "replace")
                elif msg.type == aiohttp.WSMsgType.ERROR:
                    logger.warning("机器人 %s 的连接出错：%s", self_id, ws.exception())
                    break
                else:
                    continue
                frame = self.decode(self_id, text, link)
                if frame is not None:
                    await queue.put((frame.self_id or self_id, text, frame))
        finally:
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(None)
            if self._stopping:
                consumer.cancel()
            else:
                await consumer  # events already read are persisted even when the socket went

    async def _consume(self, queue: asyncio.Queue[tuple[str, str, Frame] | None]) -> None:
        """Handle queued events in order, recalls first.

        Whatever queued up is persisted and triaged at once (``receive_and_triage``: the recalls
        go out), then handled in chunks of ``HANDLE_CHUNK``; between chunks newly queued events
        are triaged again, so that a recall never waits behind more than one chunk of a burst.
        """
        backlog: list[int] = []
        items: list[tuple[str, str, Frame]] = []  # read, not yet persisted
        closing = False
        retry = 0.0
        while True:
            if not items and not backlog and not closing:
                item = await queue.get()
                if item is None:
                    closing = True
                else:
                    items.append(item)
            while not closing and not queue.empty() and len(items) < MAX_BATCH:
                more = queue.get_nowait()
                if more is None:
                    closing = True
                else:
                    items.append(more)
            try:
                if items:
                    backlog += await self._triage(items)
                    items = []
                if backlog:
                    chunk = backlog[:HANDLE_CHUNK]
                    self.dispatch(await self.db(handling.handle_many, chunk))
                    backlog = backlog[HANDLE_CHUNK:]
                    self.stats["events"] += len(chunk)
                if retry:
                    logger.warning("数据库已恢复，继续处理事件")
                retry = 0.0
            except DATABASE_DOWN as exc:
                # Nothing is dropped: the events read stay in ``items`` (not persisted) or in
                # ``backlog`` (persisted, pending) and are retried in order; reading pauses
                # once the queue is full, so the bot's side waits instead of losing events.
                retry = await self._database_down(exc, retry, len(items) + len(backlog))
            except Exception:
                logger.exception("处理事件失败")
                if items:
                    items = []  # not a database outage: logged, as any bug
                else:
                    backlog = backlog[HANDLE_CHUNK:]  # the chunk stays pending in the inbox
            if closing and not items and not backlog:
                return

    async def _database_down(self, exc: Exception, retry: float, waiting: int) -> float:
        """Count and log the outage (once), wait; return the next wait (back-off).

        The broken connection itself was closed in the database thread (``_in_db_thread``).
        """
        self.stats["database_retries"] += 1
        if not retry:
            logger.error("数据库不可用，%d 个事件暂存于内存，恢复后依次写入：%s", waiting, exc)
        retry = min(RETRY_MAX_SECONDS, retry * 2 if retry else RETRY_FIRST_SECONDS)
        await asyncio.sleep(retry)
        return retry

    async def _triage(self, batch: list[tuple[str, str, Frame]]) -> list[int]:
        """Persist events and send their urgent recalls; return the inbox ids still to handle."""
        await self._note_seen({item[0] for item in batch})
        events = [item for item in batch if item[2].post_type != "meta_event"]
        self.stats["meta"] += len(batch) - len(events)  # heartbeats and lifecycle: nothing to keep
        if not events:
            return []
        ids = await self.db(handling.receive_many, events)
        try:
            urgent = await self.db(handling.triage, events, ids)
        except DATABASE_DOWN:
            urgent = []  # persisted: the handling recalls them once the database answers
        self.dispatch(Outcome(urgent))
        return ids

    async def _http(self, request: web.Request) -> web.StreamResponse:
        """HTTP POST receiver: one event per request, answered after it is persisted and handled."""
        body = await request.read()
        if self.config.secret and not protocol.signature_ok(
            self.config.secret, body, request.headers.get("X-Signature")
        ):
            logger.warning("拒绝了来自 %s 的上报：X-Signature 签名不符", request.remote)
            return web.Response(status=403, text="X-Signature 签名不符")
        if not self.config.secret and not protocol.bearer_ok(
            self.config.token, request.headers.get("Authorization"), request.query.get("access_token")
        ):  # unsigned posts need the access token, like connections
            logger.warning("拒绝了来自 %s 的上报：访问令牌不正确", request.remote)
            return web.Response(status=401, text="访问令牌不正确（Authorization: Bearer）")
        text = body.decode("utf-8", "replace")
        try:
            frame = protocol.decode(text, limit=self.config.max_frame)
        except ProtocolError as exc:
            self.stats["dropped"] += 1
            return web.Response(status=400, text=str(exc))
        if frame.is_response:
            return web.Response(status=400, text="HTTP 上报只接受事件")
        self_id = protocol.account(request.headers.get("X-Self-ID")) or frame.self_id
        try:
            await self.on_event(self_id, text, frame)
        except DATABASE_DOWN as exc:
            # Not persisted: the implementation sees the failure (and may post again).
            self.stats["database_retries"] += 1
            logger.error("数据库不可用，拒收了机器人 %s 的 HTTP 上报：%s", self_id, exc)
            return web.Response(status=503, text="数据库暂不可用，事件未保存，请稍后重发")
        return web.Response(status=204)

    # --- frames --------------------------------------------------------------------------

    def decode(self, self_id: str, text: str, link: WebSocketLink | None) -> Frame | None:
        """Return the event in a text frame; resolve an action response; drop what is not OneBot."""
        try:
            frame = protocol.decode(text, limit=self.config.max_frame)
        except ProtocolError as exc:
            self.stats["dropped"] += 1
            logger.warning("机器人 %s 发来无法处理的帧（已丢弃）：%s；开头：%.200s", self_id, exc, text)
            return None
        if frame.is_response:
            if link is None or not link.echoes.resolve(frame.payload):
                self.stats["stray_responses"] += 1
                logger.info(
                    "机器人 %s 的响应没有对应的请求（可能已超时）：echo=%r",
                    self_id,
                    frame.payload.get("echo"),
                )
            return None
        return frame

    async def on_event(self, self_id: str, text: str, frame: Frame) -> None:
        """Persist and handle one event, then send what it asks for."""
        await self.on_events([(self_id, text, frame)])

    async def on_events(self, batch: list[tuple[str, str, Frame]]) -> None:
        """Persist, triage and handle events, sending what they ask for (recalls first)."""
        ids = await self._triage(batch)
        if ids:
            try:
                self.dispatch(await self.db(handling.handle_many, ids))
            except DATABASE_DOWN:
                self.spawn(self._handle_later(ids))  # persisted: handled once the database answers
                return
            self.stats["events"] += len(ids)

    async def _handle_later(self, ids: list[int]) -> None:
        """Handle persisted events whose handling met a database outage, retrying with back-off."""
        retry = 0.0
        while not self._stopping:
            try:
                self.dispatch(await self.db(handling.handle_many, ids))
            except DATABASE_DOWN as exc:
                retry = await self._database_down(exc, retry, len(ids))
                continue
            self.stats["events"] += len(ids)
            return

    def dispatch(self, outcome: Outcome) -> None:
        if outcome.calls:
            self.spawn(self._perform_all(outcome.calls))
        for key in outcome.resync - self._resyncing:
            self._resyncing.add(key)
            self.spawn(self._resync(*key))

    async def _resync(self, self_id: str, account: str) -> None:
        """Sync one group's member list a little after a join, leave or admin change (changes in a
        burst are synced once)."""
        from qunguan.gateway.sync import sync_group

        try:
            await asyncio.sleep(self.config.resync_delay)
        finally:
            self._resyncing.discard((self_id, account))
        try:
            await sync_group(self, self_id, account)
        except (ActionFailed, ActionTimeout, NotConnected) as exc:
            logger.warning("同步群 %s 的成员名单失败：%s", account, exc)

    async def _perform_all(self, calls: list[Call]) -> None:
        for call in calls:  # in order: recall before the warning, the warning before a mute
            await self.perform(call)

    async def perform(self, call: Call) -> Any:
        """Send one call, record its outcome; return the response data (None on failure)."""
        status, error, data = ActionStatus.OK, "", None
        retcode: int | None = 0
        try:
            data = await self.call(call.self_id, call.api, call.params)
        except ActionFailed as exc:
            status, retcode, error = ActionStatus.FAILED, exc.retcode, str(exc)
        except ActionTimeout as exc:
            status, retcode, error = ActionStatus.TIMEOUT, None, str(exc)
        except NotConnected as exc:
            status, retcode, error = ActionStatus.NO_BOT, None, str(exc)
        if status != ActionStatus.OK:
            self.stats[f"action_{status}"] += 1
            logger.warning("动作 %s 未成功：%s", call.api, error)
        else:
            self.stats["actions_ok"] += 1
        if call.action_id is not None:
            await self.db(
                functools.partial(
                    handling.record_result, call.action_id, status, retcode=retcode, error=error
                )
            )
        return data

    async def call(self, self_id: str, api: str, params: dict[str, Any], timeout: float | None = None) -> Any:
        """Call ``api`` on the bot ``self_id``; raise NotConnected, ActionFailed or ActionTimeout."""
        link = self.links.get(self_id) or self.http_links.get(self_id)
        if link is None:
            raise NotConnected(self_id)
        return await link.call(api, params, timeout or self.config.api_timeout)

    # --- QQ private messages for the notification service ------------------------------------

    def send_private_sync(self, qq: str, text: str) -> None:
        """Send a QQ private message from any connected bot; for code outside the loop's thread."""
        loop = self._loop
        if loop is None or not (self.links or self.http_links):
            raise NotConnected("")
        params = {"user_id": int(qq) if qq.isdigit() else qq, "message": text}
        self_id = next(iter(self.links or self.http_links))
        future = asyncio.run_coroutine_threadsafe(self.call(self_id, "send_private_msg", params), loop)
        future.result(self.config.api_timeout + 1)

    def _register_notify_sender(self) -> None:
        try:
            from qunguan.notify.channels.qq.transport import register_sender
        except ImportError:
            return
        register_sender(self.send_private_sync)

    def _unregister_notify_sender(self) -> None:
        try:
            from qunguan.notify.channels.qq.transport import register_sender
        except ImportError:
            return
        register_sender(None)


def _in_db_thread(fn: Callable[..., T], *args: Any) -> T:
    """Call ``fn``; when the database failed, close the broken connection before re-raising.

    Django reconnects only where a connection is closed: without this, a connection the server
    terminated would fail every later call of the gateway (polling included), for good.
    """
    try:
        return fn(*args)
    except DATABASE_DOWN:
        for conn in connections.all(initialized_only=True):
            with contextlib.suppress(Exception):
                conn.close_if_unusable_or_obsolete()
        raise
