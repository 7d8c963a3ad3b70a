"""Forward WebSocket (正向 WebSocket): the gateway connects out to a OneBot server.

Used when the implementation listens (NapCat / Lagrange "WebSocket server") rather than
connecting in. The bot's QQ number is learned from the first event (implementations send a
``lifecycle`` meta event on connect) or asked with ``get_login_info``. A lost connection is
retried with back-off: 1 s, doubling, at most 60 s; a connection that stayed up resets it.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import aiohttp

from qunguan.gateway import protocol
from qunguan.gateway.links import WebSocketLink
from qunguan.gateway.protocol import ActionFailed, ActionTimeout

if TYPE_CHECKING:
    from qunguan.gateway.server import Gateway

logger = logging.getLogger("qunguan.gateway")

FIRST_DELAY = 1.0
MAX_DELAY = 60.0


async def forward_client(gateway: Gateway, url: str, *, first_delay: float = FIRST_DELAY) -> None:
    """Keep a forward WebSocket to ``url`` open until the gateway stops."""
    delay = first_delay
    headers = {"Authorization": f"Bearer {gateway.config.token}"} if gateway.config.token else {}
    session = gateway._session or aiohttp.ClientSession()
    while not gateway._stopping:
        try:
            async with session.ws_connect(
                url, headers=headers, max_msg_size=max(gateway.config.max_frame * 16, 16 * 1024 * 1024)
            ) as ws:
                gateway.stats["forward_connects"] += 1
                logger.info("已连接正向 WebSocket %s", url)
                delay = first_delay
                await _serve(gateway, ws, url)
        except (aiohttp.ClientError, OSError) as exc:
            logger.warning("无法连接正向 WebSocket %s：%s；%g 秒后重试", url, exc, delay)
        if gateway._stopping:
            break
        await asyncio.sleep(delay)
        delay = min(delay * 2, MAX_DELAY)


async def _serve(gateway: Gateway, ws: aiohttp.ClientWebSocketResponse, url: str) -> None:
    link = WebSocketLink("", ws.send_str, "forward")

    async def learn_self_id() -> None:
        try:
            info = await link.call("get_login_info", {}, gateway.config.api_timeout)
        except (ActionFailed, ActionTimeout, ConnectionError) as exc:
            logger.warning("正向 WebSocket %s：无法获取机器人QQ号：%s", url, exc)
            return
        self_id = protocol.account(info.get("user_id")) if isinstance(info, dict) else None
        if self_id and not link.self_id:
            _bind(gateway, link, self_id)

    learner = gateway.spawn(learn_self_id())
    try:
        await gateway.read(_Binding(gateway, ws, link), link.self_id, link)
    finally:
        learner.cancel()
        if link.self_id and gateway.links.get(link.self_id) is link:
            del gateway.links[link.self_id]
            await gateway.absent(link.self_id)
        link.echoes.fail_all(protocol.NotConnected(link.self_id))
        logger.info("正向 WebSocket %s 已断开", url)


def _bind(gateway: Gateway, link: WebSocketLink, self_id: str) -> None:
    link.self_id = self_id
    gateway.links[self_id] = link
    logger.info("机器人 %s 已连接（正向 WebSocket）", self_id)
    gateway.spawn(gateway.present(self_id, "forward"))


class _Binding:
    """Iterates a client WebSocket and binds the link to the first ``self_id`` an event names."""

    def __init__(self, gateway: Gateway, ws: aiohttp.ClientWebSocketResponse, link: WebSocketLink) -> None:
        self.gateway = gateway
        self.ws = ws
        self.link = link

    def exception(self) -> BaseException | None:
        return self.ws.exception()

    def __aiter__(self) -> _Binding:
        return self

    async def __anext__(self) -> aiohttp.WSMessage:
        msg = await self.ws.__anext__()
        if not self.link.self_id and msg.type == aiohttp.WSMsgType.TEXT and '"self_id"' in msg.data:
            try:
                frame = protocol.decode(msg.data, limit=self.gateway.config.max_frame)
            except protocol.ProtocolError:
                return msg
            if frame.self_id:
                _bind(self.gateway, self.link, frame.self_id)
        return msg
