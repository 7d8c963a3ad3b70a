"""OneBot v11 framing (帧): what comes in (events, action responses), what goes out (actions).

Pure Python, no Django and no network: the transports (``server.py``, ``forward.py``) feed
text frames in and the handling (``handling.py``) reads events. Facts from the OneBot v11 spec:

* an event has ``post_type`` (message / notice / request / meta_event) and ``self_id``;
* an action is ``{"action": NAME, "params": {...}, "echo": ANY}`` and its response is
  ``{"status": "ok"|"async"|"failed", "retcode": N, "data": ..., "echo": ANY}`` — the echo is
  the only link between the two on a WebSocket, so every action gets a fresh one;
* the HTTP POST transport signs the body with ``X-Signature: sha1=<hex HMAC-SHA1(secret, body)>``.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
from dataclasses import dataclass
from typing import Any

# retcode values of the spec: 0 ok, 1 async (accepted, result later); anything else is a failure
# (100 bad parameters, 102 no such data, 103 failed, 104 credentials gone, 201 worker failed …).
RETCODE_OK = frozenset({0, 1})


class ProtocolError(ValueError):
    """A frame that is not OneBot v11: ``str(err)`` is one Chinese sentence."""


class ActionFailed(Exception):
    """The implementation answered an action with a failure ``retcode``."""

    def __init__(self, api: str, retcode: int, message: str = "") -> None:
        self.api = api
        self.retcode = retcode
        self.message = message
        super().__init__(f"{api} 失败（retcode={retcode}）{message}")


class ActionTimeout(Exception):
    """No response to an action arrived in time."""

    def __init__(self, api: str, seconds: float) -> None:
        self.api = api
        self.seconds = seconds
        super().__init__(f"{api} 在 {seconds:g} 秒内没有响应")


class NotConnected(Exception):
    """No connection to the bot account an action is for."""

    def __init__(self, self_id: str) -> None:
        self.self_id = self_id
        super().__init__(f"机器人 {self_id} 未连接")


@dataclass(frozen=True, slots=True)
class Frame:
    """One decoded frame: an event (``payload`` has ``post_type``) or an action response."""

    payload: dict[str, Any]

    @property
    def is_response(self) -> bool:
        return "post_type" not in self.payload and "echo" in self.payload

    @property
    def post_type(self) -> str:
        value = self.payload.get("post_type")
        return value if isinstance(value, str) else ""

    @property
    def detail_type(self) -> str:
        """``message_type`` / ``notice_type`` / ``request_type`` / ``meta_event_type`` of an event."""
        for key in ("message_type", "notice_type", "request_type", "meta_event_type"):
            value = self.payload.get(key)
            if isinstance(value, str):
                return value
        return ""

    @property
    def self_id(self) -> str:
        return account(self.payload.get("self_id")) or ""

    @property
    def group_account(self) -> str:
        return account(self.payload.get("group_id")) or ""


def account(value: Any) -> str | None:
    """Return a QQ number (group or user) as a string, or None; implementations send int or str."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and value > 0:
        return str(value)
    if isinstance(value, str) and value.strip().isdigit() and int(value) > 0:
        return value.strip()
    return None


def decode(text: str | bytes, *, limit: int) -> Frame:
    """Return the frame in ``text``; raise ProtocolError for anything that is not a OneBot frame.

    ``limit`` is the largest frame accepted, in characters (a huge message is refused by size
    before it is parsed, so it cannot stall the gateway).
    """
    if len(text) > limit:
        raise ProtocolError(f"帧长度 {len(text)} 超过上限 {limit}")
    try:
        payload = json.loads(text)
    except (ValueError, RecursionError):
        raise ProtocolError("帧不是有效的 JSON") from None
    if not isinstance(payload, dict):
        raise ProtocolError("帧不是 JSON 对象")
    frame = Frame(payload)
    if not frame.is_response and not frame.post_type:
        raise ProtocolError("帧既不是事件（缺少 post_type）也不是动作响应（缺少 echo）")
    return frame


def action(api: str, params: dict[str, Any], echo: str) -> str:
    """Return the JSON text of an action frame."""
    return json.dumps({"action": api, "params": params, "echo": echo}, ensure_ascii=False)


def result(api: str, response: dict[str, Any]) -> Any:
    """Return an action response's ``data``; raise ActionFailed for a failure retcode."""
    retcode = response.get("retcode")
    status = response.get("status")
    if not isinstance(retcode, int) or retcode not in RETCODE_OK or status == "failed":
        code = retcode if isinstance(retcode, int) else -1
        message = response.get("wording") or response.get("message") or response.get("msg") or ""
        raise ActionFailed(api, code, str(message)[:200])
    return response.get("data")


def signature(secret: str, body: bytes) -> str:
    """Return the ``X-Signature`` header value for ``body``: ``sha1=<hex>``."""
    return "sha1=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha1).hexdigest()


def signature_ok(secret: str, body: bytes, header: str | None) -> bool:
    """Return whether ``header`` is the right signature of ``body`` (compared in constant time)."""
    return bool(header) and hmac.compare_digest(signature(secret, body), header or "")


def bearer_ok(token: str, authorization: str | None, query_token: str | None = None) -> bool:
    """Return whether a connection presents ``token`` (``Authorization: Bearer`` or ``?access_token=``).

    An empty configured token accepts every connection (the spec's default).
    """
    if not token:
        return True
    presented = ""
    if authorization:
        scheme, _, value = authorization.strip().partition(" ")
        if scheme.lower() in {"bearer", "token"}:
            presented = value.strip()
    elif query_token:
        presented = query_token
    return bool(presented) and hmac.compare_digest(presented, token)


class EchoTable:
    """Matches action responses to the actions that asked, by ``echo``.

    ``open()`` returns a fresh echo and the future its response resolves; ``resolve()`` hands a
    response to its waiter (False when nobody waits: a late answer after a timeout, or a stray
    echo); ``fail_all()`` wakes every waiter when the connection goes.
    """

    def __init__(self, prefix: str = "qg") -> None:
        self._prefix = prefix
        self._counter = itertools.count(1)
        self._waiting: dict[str, asyncio.Future[dict[str, Any]]] = {}

    def open(self) -> tuple[str, asyncio.Future[dict[str, Any]]]:
        echo = f"{self._prefix}-{next(self._counter)}"
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[echo] = future
        return echo, future

    def forget(self, echo: str) -> None:
        self._waiting.pop(echo, None)

    def resolve(self, response: dict[str, Any]) -> bool:
        echo = response.get("echo")
        future = self._waiting.pop(echo, None) if isinstance(echo, str) else None
        if future is None or future.done():
            return False
        future.set_result(response)
        return True

    def fail_all(self, exc: BaseException) -> None:
        waiting, self._waiting = self._waiting, {}
        for future in waiting.values():
            if not future.done():
                future.set_exception(exc)

    def __len__(self) -> int:
        return len(self._waiting)
