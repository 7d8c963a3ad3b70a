"""``qunguan serve``: a real waitress process serving pages, the API health check and static files."""

from __future__ import annotations

import re
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .commands import QUNGUAN, qunguan_env

STARTUP_S = 60


@dataclass
class Server:
    base: str
    process: subprocess.Popen[str]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(url: str) -> tuple[int, str, bytes]:
    """Return status, content type and body of a GET (4xx/5xx included, redirects not followed)."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - a local test server
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", ""), exc.read()


@contextmanager
def serving(data_dir: Path, **env: str) -> Iterator[Server]:
    """Start ``qunguan serve`` on a free port, wait until /healthz answers, and stop it afterwards."""
    port = free_port()
    process = subprocess.Popen(
        [*QUNGUAN, "serve", "--port", str(port), "--threads", "2"],
        env=qunguan_env(data_dir, **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_S
        while True:
            assert process.poll() is None, process.communicate()[1]
            try:
                if get(f"{base}/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "qunguan serve did not answer in time"
            time.sleep(0.2)
        yield Server(base, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_serve_answers_health_login_and_static_files_without_collectstatic(data_dir):
    with serving(data_dir) as server:
        health = get(f"{server.base}/healthz")
        login = get(f"{server.base}/accounts/login/")
        css = get(f"{server.base}/static/web/qunguan.css")
    out, err = server.process.communicate()

    assert health == (200, "application/json", b'{"status": "ok"}')
    assert login[0] == 200
    assert "登录" in login[2].decode()
    assert css[0] == 200
    assert css[1].startswith("text/css")
    assert b"{" in css[2]
    assert not (data_dir / "static" / "web").exists(), "the embedded profile must not collect static files"
    port = server.base.rsplit(":", 1)[1]
    assert out.splitlines()[0] == f"群管已启动：http://127.0.0.1:{port}/ （Ctrl+C 退出）"
    assert server.process.returncode == 0, err
    assert "Traceback" not in err


def test_serve_in_production_collects_hashed_static_files_into_the_data_directory(data_dir):
    with serving(data_dir, QUNGUAN_PROFILE="production", QUNGUAN_SSL_REDIRECT="false") as server:
        login = get(f"{server.base}/accounts/login/")
        hashed = re.search(r'/static/(web/qunguan\.[0-9a-f]{12}\.css)"', login[2].decode())
        assert hashed, "the login page should link the hashed stylesheet"
        css = get(f"{server.base}/static/{hashed.group(1)}")
    server.process.communicate()

    assert login[0] == 200
    assert css[0] == 200
    assert css[1].startswith("text/css")
    assert (data_dir / "static" / "staticfiles.json").exists()


def test_serve_refuses_a_port_in_use_with_one_chinese_line(data_dir):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [*QUNGUAN, "serve", "--port", str(port)],
            env=qunguan_env(data_dir),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"无法在 127.0.0.1:{port} 上启动" in result.stderr
    assert "请用 --port 换一个端口" in result.stderr
