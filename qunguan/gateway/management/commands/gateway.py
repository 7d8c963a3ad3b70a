"""``qunguan gateway``: run the live QQ gateway (OneBot v11) until stopped (Ctrl-C / SIGTERM)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "运行 QQ 机器人网关（OneBot v11：反向 WebSocket、正向 WebSocket、HTTP POST），实时审查并处置群消息"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=None, help="监听地址（默认 QUNGUAN_GATEWAY_HOST，127.0.0.1）")
        parser.add_argument(
            "--port", type=int, default=None, help="监听端口（默认 QUNGUAN_GATEWAY_PORT，8090）"
        )
        parser.add_argument("--no-sync", action="store_true", help="不定时同步群列表和成员名单")

    def handle(self, *args: Any, **options: Any) -> None:
        from qunguan.gateway.server import Gateway, GatewayConfig

        try:
            config = GatewayConfig.from_settings()
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if options["no_sync"]:
            config.sync_minutes = 0
        host = options["host"] or settings.QUNGUAN_GATEWAY_HOST
        port = settings.QUNGUAN_GATEWAY_PORT if options["port"] is None else options["port"]
        if not config.token:
            self.stderr.write("提示：未设置 QUNGUAN_GATEWAY_TOKEN，任何能连到本端口的程序都可以冒充机器人。")
        asyncio.run(self._run(Gateway(config), host, port))

    async def _run(self, gateway: Any, host: str, port: int) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        try:
            bound = await gateway.start(host, port)
        except OSError as exc:
            raise CommandError(f"无法在 {host}:{port} 监听：{exc.strerror or exc}") from exc
        self.stdout.write(
            f"QQ 网关已启动：反向 WebSocket ws://{host}:{bound}/onebot/v11/ws ，"
            f"HTTP POST http://{host}:{bound}/onebot/v11/http 。按 Ctrl-C 停止。"
        )
        try:
            await stop.wait()
        finally:
            await gateway.stop()
            self.stdout.write("QQ 网关已停止。")
