"""qunguan as a NoneBot2 plugin (作为 NoneBot 插件使用): an existing QQ bot becomes the school's 群管.

Install the extra (``pip install 'qunguan[nonebot]'``) into the bot's environment, point
``DJANGO_SETTINGS_MODULE`` (default ``qunguan.settings``) and the ``QUNGUAN_*`` variables at the
school's database, and load the plugin: ``nonebot.load_plugin("qunguan.nonebot_plugin")`` or
``plugins = ["qunguan.nonebot_plugin"]`` in ``pyproject.toml``. Every OneBot v11 event the bot
receives (group messages, notices, join requests) goes through the same handling as
``qunguan gateway``: persisted, audited, and recalled, warned, muted or decided by the handling
policy, the actions sent with ``bot.call_api``. The plugin does not stop the event: the bot's
own plugins see it as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from typing import Any

import django
from django.apps import apps

if not apps.ready:  # the bot's process has not set Django up: the plugin does
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qunguan.settings")
    django.setup()

from nonebot import get_bots, get_driver
from nonebot.adapters.onebot.v11 import Bot, Event
from nonebot.adapters.onebot.v11.exception import ActionFailed, NetworkError
from nonebot.compat import model_dump
from nonebot.message import event_preprocessor
from nonebot.plugin import PluginMetadata

from qunguan.gateway.models import ActionStatus
from qunguan.nonebot_plugin.bridge import Api, Bridge

__plugin_meta__ = PluginMetadata(
    name="群管",
    description="工作群规范管理：群消息审查、撤回、提醒、禁言，加群申请实名核验",
    usage="加载即生效：群消息、群通知和加群申请按 qunguan 的处置策略处理，结果见 qunguan 网页。",
    type="application",
    supported_adapters={"~onebot.v11"},
)

# How often actions queued by people (全校联动处置, announcements, cards) are looked for.
QUEUE_POLL_SECONDS = 1.0


def failure(exc: BaseException) -> tuple[str, int | None]:
    """Return how a failed ``call_api`` is recorded: (status, retcode)."""
    if isinstance(exc, ActionFailed):
        retcode = exc.info.get("retcode")
        return ActionStatus.FAILED, retcode if isinstance(retcode, int) else None
    if isinstance(exc, NetworkError):  # the adapter's timeout, or the connection went
        return ActionStatus.TIMEOUT, None
    return ActionStatus.FAILED, None


bridge = Bridge(failure)
driver = get_driver()
_poller: asyncio.Task[Any] | None = None


def payload_of(event: Event) -> dict[str, Any]:
    """Return the OneBot v11 event as the implementation sent it (the dict the gateway reads).

    The adapter trims the message it hands to matchers (the bot's own @mention, the reply
    segment); the original segments are what was said, so they are what is audited.
    """
    payload = model_dump(event, exclude={"message", "original_message", "reply", "to_me"})
    original = getattr(event, "original_message", None)
    if original is not None:
        payload["message"] = [{"type": seg.type, "data": dict(seg.data)} for seg in original]
    return payload


def api_of(bot: Bot) -> Api:
    async def call(api: str, params: dict[str, Any]) -> Any:
        return await bot.call_api(api, **params)

    return call


@event_preprocessor
async def _handle(bot: Bot, event: Event) -> None:
    await bridge.event(bot.self_id, payload_of(event), api_of(bot))


async def _send_queued() -> None:
    while True:
        online = {i: api_of(b) for i, b in get_bots().items() if isinstance(b, Bot)}
        try:
            await bridge.send_queued(online)
        except Exception:
            driver.logger.exception("发送排队的处置失败")
        await asyncio.sleep(QUEUE_POLL_SECONDS)


@driver.on_startup
async def _start() -> None:
    global _poller
    await bridge.start()
    _poller = asyncio.get_running_loop().create_task(_send_queued())


@driver.on_shutdown
async def _stop() -> None:
    if _poller is not None:
        _poller.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await _poller
    await bridge.stop()


@driver.on_bot_connect
async def _connected(bot: Bot) -> None:
    await bridge.connected(bot.self_id)


@driver.on_bot_disconnect
async def _disconnected(bot: Bot) -> None:
    await bridge.disconnected(bot.self_id)
