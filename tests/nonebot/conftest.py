"""A real NoneBot2 bot (FastAPI driver, OneBot v11 adapter) with the qunguan plugin, on loopback.

NoneBot is initialised once per process (its driver is global); each test gets its own server
(uvicorn on a port chosen by the system), so the plugin's start-up and shut-down run each time.

No ``__init__.py`` here: this folder must not be importable as ``nonebot`` and hide the framework.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import Cast, fixed_cast
from tests.gateway.peer import Peer

TOKEN = "test-nonebot-token"
_init_lock = threading.Lock()


def _nonebot() -> Any:
    """Initialise NoneBot with the OneBot v11 adapter and load the plugin (once); return the driver."""
    import nonebot
    from nonebot.adapters.onebot.v11 import Adapter

    with _init_lock:
        try:
            return nonebot.get_driver()
        except ValueError:  # not initialised yet
            pass
        nonebot.init(driver="~fastapi", onebot_access_token=TOKEN, log_level="WARNING", _env_file=None)
        driver = nonebot.get_driver()
        driver.register_adapter(Adapter)
        nonebot.load_plugin("qunguan.nonebot_plugin")
        return driver


class RunningBot:
    """The bot's ASGI app served by uvicorn in its own thread, on a loopback port."""

    def __init__(self) -> None:
        import uvicorn

        driver = _nonebot()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(driver.server_app, log_level="warning", lifespan="on", loop="asyncio")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            assert self.thread.is_alive(), "NoneBot 未能启动"
            assert time.monotonic() < deadline, "NoneBot 未在 30 秒内启动"
            time.sleep(0.02)

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/onebot/v11/ws"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


@pytest.fixture
def live_cast(transactional_db: Any) -> Cast:
    return fixed_cast()


@pytest.fixture
def bot(live_cast: Cast) -> Iterator[RunningBot]:
    running = RunningBot()
    yield running
    running.stop()


@pytest.fixture
def peer(bot: RunningBot) -> Iterator[Peer]:
    p = Peer(bot.ws_url, self_id=10001, token=TOKEN).connect()
    yield p
    p.close()
