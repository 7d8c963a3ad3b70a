"""The e-mail channel: one plain-text message per notification over SMTP."""

from __future__ import annotations

import logging
import smtplib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email

from qunguan.notify.channels import register
from qunguan.notify.channels.base import Channel, DeliveryError, OutgoingMessage

logger = logging.getLogger(__name__)


@register
class EmailChannel(Channel):
    name = "email"
    label = "电子邮件"
    address_field = "email"

    def unconfigured_reason(self) -> str:
        if not settings.EMAIL_HOST:
            return "未配置邮件服务器（QUNGUAN_EMAIL_HOST）"
        return ""

    def validate_address(self, value: str) -> str:
        value = value.strip()
        try:
            validate_email(value)
        except ValidationError:
            raise ValueError(f"邮箱地址“{value}”格式不正确") from None
        return value

    def send(self, address: str, message: OutgoingMessage) -> None:
        """Send ``message`` to ``address``; raise ``DeliveryError`` when the server refuses or is down."""
        prefix = settings.QUNGUAN_EMAIL_SUBJECT_PREFIX
        mail = EmailMessage(
            subject=f"{prefix}{message.subject}",
            body=message.as_text(),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[address],
        )
        try:
            mail.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as exc:
            # The server will not take this address: trying again will not help.
            raise DeliveryError(f"邮件服务器拒收地址：{_first_line(exc)}", retryable=False) from exc
        except (smtplib.SMTPException, OSError) as exc:
            logger.warning("mail to %s failed: %s", address, exc)
            raise DeliveryError(f"邮件发送失败：{_first_line(exc)}") from exc


def _first_line(exc: BaseException) -> str:
    return (str(exc) or type(exc).__name__).splitlines()[0][:300]
