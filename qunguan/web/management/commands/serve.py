"""``qunguan serve``: serve the web UI and the API with waitress (no separate web server needed)."""

from __future__ import annotations

import signal
from pathlib import Path
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser


# argparse names the type's function in its error ("invalid port value: '70000'").
def threads(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


def port(value: str) -> int:
    number = int(value)
    if not 0 <= number <= 65535:
        raise ValueError(value)
    return number


def _stop(signum: int, frame: FrameType | None) -> None:
    # waitress's run loop shuts down cleanly on KeyboardInterrupt; treat SIGTERM
    # (systemd stop, docker stop) the same as Ctrl+C.
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = "启动网页服务（含 REST 接口与静态文件），默认只在本机 http://127.0.0.1:8000/ 上提供服务。"
    requires_migrations_checks = True

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1；对外服务用 0.0.0.0）"
        )
        parser.add_argument("--port", type=port, default=8000, help="监听端口（默认 8000）")
        parser.add_argument("--threads", type=threads, default=8, help="处理请求的线程数（默认 8）")

    def handle(self, *args: Any, **options: Any) -> None:
        from waitress import create_server

        self.prepare_static_files()
        # Imported only now: building the WSGI handler loads every middleware, and
        # WhiteNoise indexes the static files at that moment.
        from qunguan.wsgi import application

        host, port = options["host"], options["port"]
        try:
            server: Any = create_server(application, host=host, port=port, threads=options["threads"])
        except OSError as exc:
            raise CommandError(
                f"无法在 {host}:{port} 上启动：{exc.strerror or exc}。端口可能已被占用，请用 --port 换一个端口。"
            ) from None
        listen = getattr(server, "effective_listen", None) or [(server.effective_host, server.effective_port)]
        shown_host = f"[{host}]" if ":" in host else host
        self.stdout.write(f"群管已启动：http://{shown_host}:{listen[0][1]}/ （Ctrl+C 退出）")
        self.stdout.flush()
        if host not in {"127.0.0.1", "localhost", "::1"} and "*" not in settings.ALLOWED_HOSTS:
            # Django answers 400 to any Host header it does not know: say so before the first visit.
            self.stderr.write(
                "提示：从其他计算机访问时，请把使用的域名或 IP 加入环境变量 ALLOWED_HOSTS"
                f"（当前为 {','.join(settings.ALLOWED_HOSTS)}）。"
            )
        signal.signal(signal.SIGTERM, _stop)
        server.run()  # returns after Ctrl+C or SIGTERM, once waitress has shut its threads down
        self.stdout.write("群管已停止。")

    def prepare_static_files(self) -> None:
        """Make sure /static/ serves every file before the first request.

        The embedded profile sets WHITENOISE_USE_FINDERS: WhiteNoise indexes the files straight
        from the apps' static/ folders when the app starts. That is the robust choice there:
        nothing is copied, so an upgrade of the package can never leave stale CSS behind in the
        data directory, and a read-only data directory still works. The production profile uses
        the manifest storage (hashed names, cached for a year), which only works after
        collectstatic; we run it into STATIC_ROOT (in the data directory) on every start. It
        copies only what changed, so a restart after an upgrade is all an operator needs.
        """
        static_root = Path(settings.STATIC_ROOT)
        if getattr(settings, "WHITENOISE_USE_FINDERS", False):
            # WhiteNoise warns about a missing STATIC_ROOT even when the finders serve everything.
            static_root.mkdir(parents=True, exist_ok=True)
            return
        call_command("collectstatic", interactive=False, verbosity=0)
