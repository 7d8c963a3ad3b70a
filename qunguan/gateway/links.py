"""Links to bot accounts (连接): how an action reaches the bot and its answer comes back.

A ``WebSocketLink`` sends the action over a WebSocket (reverse or forward) and waits for the
response with the same ``echo``; an ``HttpApiLink`` posts it to the implementation's HTTP API.
Both raise ``ActionFailed`` for a failure ``retcode`` and ``ActionTimeout`` when no answer comes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from qunguan.gateway import protocol
from qunguan.gateway.protocol import ActionFailed, ActionTimeout, EchoTable


class Link:
    """Something actions for one bot account can be sent over."""

    transport = ""

    def __init__(self, self_id: str) -> None:
        self.self_id = self_id

    async def call(self, api: str, params: dict[str, Any], timeout: float) -> Any:
        raise NotImplementedError


class WebSocketLink(Link):
    """A WebSocket to the bot; actions and responses are matched by ``echo``."""

    def __init__(self, self_id: str, send: Callable[[str], Awaitable[None]], transport: str) -> None:
        super().__init__(self_id)
        self.transport = transport
        self._send = send
        self.echoes = EchoTable(prefix=f"qg{self_id or 'x'}")

    async def call(self, api: str, params: dict[str, Any], timeout: float) -> Any:
        echo, future = self.echoes.open()
        try:
            await self._send(protocol.action(api, params, echo))
            response = await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise ActionTimeout(api, timeout) from None
        finally:
            self.echoes.forget(echo)
        return protocol.result(api, response)


class HttpApiLink(Link):
    """The implementation's HTTP API (``POST {url}/{action}`` with the params as JSON)."""

    transport = "http"

    def __init__(self, self_id: str, url: str, token: str, session: aiohttp.ClientSession) -> None:
        super().__init__(self_id)
        self.url = url.rstrip("/")
        self.token = token
        self.session = session

    async def call(self, api: str, params: dict[str, Any], timeout: float) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        try:
            async with self.session.post(
                f"{self.url}/{api}",
                json=params,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=timeout),
            ) as response:
                if response.status != 200:
                    raise ActionFailed(api, -response.status, f"HTTP {response.status}")
                body = await response.json(content_type=None)
        except TimeoutError:
            raise ActionTimeout(api, timeout) from None
        except (aiohttp.ClientError, ValueError) as exc:
            raise ActionFailed(api, -1, str(exc)[:200]) from exc
        if not isinstance(body, dict):
            raise ActionFailed(api, -1, "响应不是 JSON 对象")
        return protocol.result(api, body)


def parse_http_api(value: str) -> dict[str, str]:
    """Return ``{self_id: url}`` from ``QUNGUAN_GATEWAY_HTTP_API`` (``ID=URL,ID=URL``).

    Raises ValueError naming the bad pair.
    """
    out: dict[str, str] = {}
    for pair in (p.strip() for p in value.split(",")):
        if not pair:
            continue
        self_id, sep, url = pair.partition("=")
        if not sep or not self_id.strip().isdigit() or not url.strip().startswith(("http://", "https://")):
            raise ValueError(f"QUNGUAN_GATEWAY_HTTP_API 中的“{pair}”应写成 机器人QQ=http://地址")
        out[self_id.strip()] = url.strip()
    return out
