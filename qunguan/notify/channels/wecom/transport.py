"""The WeCom group-robot channel.

The robot's webhook (``https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…``) takes
``{"msgtype": "text", "text": {"content": …}}`` and answers ``{"errcode": 0, "errmsg": "ok"}``;
any other errcode, an HTTP error or a timeout is a failed attempt.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings

from qunguan.notify.channels import register
from qunguan.notify.channels.base import Channel, DeliveryError, OutgoingMessage

logger = logging.getLogger(__name__)

# errcodes after which retrying cannot help: invalid or revoked webhook key.
PERMANENT_ERRCODES = frozenset({93000, 40008, 40058})
# The robot refuses longer text messages.
MAX_CONTENT_BYTES = 2048


@register
class WecomChannel(Channel):
    name = "wecom"
    label = "企业微信群机器人"
    address_field = "wecom_webhook"

    def validate_address(self, value: str) -> str:
        value = value.strip()
        parts = urllib.parse.urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ValueError(f"群机器人地址“{value}”不是有效的 http(s) 网址")
        return value

    def send(self, address: str, message: OutgoingMessage) -> None:
        """POST ``message`` to the robot at ``address``; raise ``DeliveryError`` on any failure."""
        content = _truncate(message.as_text(), MAX_CONTENT_BYTES)
        payload = json.dumps({"msgtype": "text", "text": {"content": content}}, ensure_ascii=False)
        request = urllib.request.Request(  # noqa: S310 - scheme checked by validate_address
            address,
            data=payload.encode("utf-8"),
            headers={"Content-Type": "application/json; charset=utf-8"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(  # noqa: S310 - scheme checked by validate_address
                request, timeout=settings.QUNGUAN_WECOM_TIMEOUT
            ) as response:
                raw = response.read(65536)
        except urllib.error.HTTPError as exc:
            logger.warning("WeCom robot answered HTTP %s", exc.code)
            raise DeliveryError(f"企业微信群机器人返回 HTTP {exc.code}", retryable=exc.code >= 500) from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            logger.warning("WeCom robot unreachable: %s", reason)
            raise DeliveryError(f"企业微信群机器人无法连接或超时：{reason}") from exc
        try:
            answer = json.loads(raw.decode("utf-8"))
            errcode = int(answer.get("errcode", -1))
        except (ValueError, AttributeError, TypeError) as exc:
            raise DeliveryError("企业微信群机器人返回了无法解析的应答") from exc
        if errcode != 0:
            errmsg = str(answer.get("errmsg", ""))[:200]
            logger.warning("WeCom robot errcode %s: %s", errcode, errmsg)
            raise DeliveryError(
                f"企业微信群机器人返回错误 {errcode}：{errmsg}", retryable=errcode not in PERMANENT_ERRCODES
            )


def _truncate(text: str, limit: int) -> str:
    """Return ``text`` cut to at most ``limit`` UTF-8 bytes, marked with an ellipsis when cut."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode("utf-8", errors="ignore") + "…"
