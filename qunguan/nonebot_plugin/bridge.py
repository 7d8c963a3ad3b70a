"""From a NoneBot event to the gateway's handling, and the handling's calls back to the bot.

Kept free of NoneBot imports: it speaks only OneBot v11 dicts and an ``api`` coroutine
(``bot.call_api``), so that the plugin stays a thin shell around it. The events go through the
very functions the hand-written gateway calls (``handling.receive_and_triage``, then
``handling.handle_many``): persisted first, urgent recalls at once, then stored, audited and
acted on by the handling policy; each call's answer is recorded on its ``GatewayAction``.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from django.db import connections

from qunguan.gateway import handling, presence, protocol
from qunguan.gateway.handling import Call
from qunguan.gateway.models import ActionStatus

logger = logging.getLogger("qunguan.gateway")
T = TypeVar("T")

# ``api(name, params)`` sends one OneBot action and returns its data; it raises on failure.
Api = Callable[[str, dict[str, Any]], Awaitable[Any]]
# What a failed call raised, mapped to how it is recorded: (status, retcode).
Failure = Callable[[BaseException], tuple[str, int | None]]

# Events NoneBot hands over that carry nothing to keep (heartbeats, lifecycle).
_SKIPPED = frozenset({"meta_event"})
# The largest event accepted (characters), like the gateway's QUNGUAN_GATEWAY_MAX_FRAME.
MAX_EVENT = 16 * 1024 * 1024


class Bridge:
    """Hands OneBot events to the gateway's handling in one database thread; sends what it asks for."""

    def __init__(self, failure: Failure) -> None:
        self._db: ThreadPoolExecutor | None = None  # made on first use, released by ``stop``
        self._failure = failure
        self._tasks: set[asyncio.Task[Any]] = set()

    async def db(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(*args)`` in the database thread (Django's ORM stays synchronous, SQLite one writer)."""
        if self._db is None:
            self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="qunguan-nonebot-db")
        return await asyncio.get_running_loop().run_in_executor(self._db, functools.partial(fn, *args))

    async def start(self) -> None:
        """Load the detectors' lexicons and models (seconds) before the first event."""
        await self.db(handling.warm_up)

    async def stop(self) -> None:
        """Finish the calls in flight and release the database thread."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._db is not None:
            await self.db(connections.close_all)
            self._db.shutdown(wait=True)
            self._db = None

    async def event(self, self_id: str, payload: dict[str, Any], api: Api) -> None:
        """Persist one OneBot event, send its urgent recalls, handle it, send the rest."""
        if payload.get("post_type") in _SKIPPED:
            return
        text = json.dumps(payload, ensure_ascii=False, default=str)
        try:
            frame = protocol.decode(text, limit=MAX_EVENT)
        except protocol.ProtocolError as exc:
            logger.warning("机器人 %s 的事件无法处理（已丢弃）：%s", self_id, exc)
            return
        ids, urgent = await self.db(handling.receive_and_triage, [(self_id, text, frame)])
        await self.send(urgent, api)
        outcome = await self.db(handling.handle_many, ids)
        await self.send(outcome.calls, api)

    async def send(self, calls: list[Call], api: Api) -> None:
        """Send calls in order (recall before the warning, the warning before a mute); record each."""
        for call in calls:
            status: str = ActionStatus.OK
            retcode: int | None = 0
            error = ""
            try:
                await api(call.api, call.params)
            except Exception as exc:
                status, retcode = self._failure(exc)
                error = str(exc)[:300] or type(exc).__name__
                logger.warning("动作 %s 未成功：%s", call.api, error)
            if call.action_id is not None:
                await self.db(
                    functools.partial(
                        handling.record_result, call.action_id, status, retcode=retcode, error=error
                    )
                )

    async def send_queued(self, online: dict[str, Api]) -> int:
        """Send the actions people queued (sanctions, announcements, cards) for the ``online`` bots."""
        from qunguan.gateway.actions import queued_actions

        if not online:
            return 0
        rows = await self.db(functools.partial(queued_actions, bots=set(online)))
        for pk, self_id, api_name, params in rows:
            await self.send([Call(self_id, api_name, params, pk)], online[self_id])
        return len(rows)

    async def connected(self, self_id: str) -> None:
        await self.db(presence.mark_connected, self_id, "nonebot")

    async def disconnected(self, self_id: str) -> None:
        await self.db(presence.mark_disconnected, [self_id])
