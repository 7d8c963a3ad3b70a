"""Real peers for the notification channels: an SMTP server and a WeCom robot on loopback."""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.test import Client

# aiosmtpd logs each connection from its own thread, which can outlive a test's captured
# stream ("Logging error … I/O operation on closed file"); its info lines say nothing a spec needs.
logging.getLogger("mail.log").setLevel(logging.WARNING)

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


@pytest.fixture
def client_for(cast: Any) -> Callable[[Any], Client]:
    """``client_for(cast.manager_a)`` -> a test client logged in as that user."""

    def make(user: Any) -> Client:
        client = Client()
        client.force_login(user, backend=MODEL_BACKEND)
        return client

    return make


@dataclass
class Mailbox:
    """What the SMTP server received: (envelope sender, recipients, raw message) per mail."""

    messages: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[Mailbox]:
    """A real SMTP server on 127.0.0.1 (aiosmtpd), with Django pointed at it."""
    mailbox = Mailbox()
    # aiosmtpd's start() connects to its own port to check it is up, so it needs a real number.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    settings.DEFAULT_FROM_EMAIL = "群管 <qunguan@example.edu.cn>"
    try:
        yield mailbox
    finally:
        controller.stop()


@dataclass
class Robot:
    """A stand-in for the WeCom robot webhook: records posts and answers as configured."""

    url: str
    posts: list[dict[str, Any]] = field(default_factory=list)
    # What to answer next: "ok", "error" (errcode 93000 = invalid key), "busy" (errcode 45009,
    # rate limited), "slow" (longer than the client's timeout) or "http500".
    mode: str = "ok"


@pytest.fixture
def wecom_robot(settings: Any) -> Iterator[Robot]:
    """A real HTTP server on 127.0.0.1 port 0 speaking the robot webhook's protocol."""
    settings.QUNGUAN_WECOM_TIMEOUT = 0.5
    stop = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            robot.posts.append(json.loads(self.rfile.read(length).decode("utf-8")))
            if robot.mode == "slow":
                stop.wait(2)
            if robot.mode == "http500":
                self.send_response(500)
                self.end_headers()
                return
            answer = {
                "ok": {"errcode": 0, "errmsg": "ok"},
                "error": {"errcode": 93000, "errmsg": "invalid webhook url"},
                "busy": {"errcode": 45009, "errmsg": "api freq out of limit"},
            }.get(robot.mode, {"errcode": 0, "errmsg": "ok"})
            body = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            with contextlib.suppress(OSError):  # the client gave up (timeout test)
                self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            """Keep test output quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port = server.server_address[1]
    robot = Robot(url=f"http://127.0.0.1:{port}/cgi-bin/webhook/send?key=test-key")
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield robot
    finally:
        stop.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
