"""The QQ private-message channel: its transport is whatever the running gateway registers.

The gateway (``qunguan gateway``) calls ``register_sender(fn)`` when a bot account is connected,
where ``fn(qq, text)`` sends a private message (OneBot ``send_private_msg``) and raises on
failure (``ChannelUnavailable`` when no bot account is connected just now, which keeps the
delivery waiting without spending an attempt), and ``register_sender(None)`` when it stops. With no sender registered a delivery stays
waiting (等待QQ网关上线) and is sent by ``delivery.deliver_due`` once a gateway is up.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from qunguan.notify.channels import register
from qunguan.notify.channels.base import Channel, ChannelUnavailable, DeliveryError, OutgoingMessage

Sender = Callable[[str, str], None]

_lock = threading.Lock()
_sender: Sender | None = None


def register_sender(sender: Sender | None) -> None:
    """Install (or with None remove) the function that sends a QQ private message."""
    global _sender
    with _lock:
        _sender = sender


def current_sender() -> Sender | None:
    """Return the registered sender, or None when no gateway is running in this process."""
    with _lock:
        return _sender


@register
class QQChannel(Channel):
    name = "qq"
    label = "QQ私聊（经机器人）"
    address_field = "qq"

    def validate_address(self, value: str) -> str:
        value = value.strip()
        if not value.isascii() or not value.isdigit() or not 5 <= len(value) <= 12:
            raise ValueError(f"QQ号“{value}”应为5到12位数字")
        return value

    def send(self, address: str, message: OutgoingMessage) -> None:
        """Send through the gateway; raise ``ChannelUnavailable`` when none is running."""
        sender = current_sender()
        if sender is None:
            raise ChannelUnavailable("QQ 网关未运行，网关上线后发送")
        try:
            sender(address, message.as_text())
        except ChannelUnavailable:
            raise
        except Exception as exc:  # the gateway's own errors (timeouts, retcode ≠ 0) are attempts
            raise DeliveryError(f"QQ 私聊发送失败：{exc}") from exc
