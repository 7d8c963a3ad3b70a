"""Deliveries that failed after their retries (发送失败), as a person looking after them sees them.

The address a notice was sent to is personal data: it is shown masked (z***@example.edu.cn,
123***89, a robot's host without its key), whoever looks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from qunguan.members.removals import mask_account
from qunguan.notify.channels import CHANNELS
from qunguan.notify.models import Delivery
from qunguan.registry.masking import mask_email


def masked_address(channel: str, address: str) -> str:
    """Return ``address`` of ``channel`` with its personal or secret part hidden."""
    if not address:
        return ""
    if channel == "email":
        return mask_email(address)
    if channel == "wecom":
        # The webhook's key is the robot's secret: keep only where it points.
        parts = urlsplit(address)
        return f"{parts.scheme}://{parts.netloc}/…key=***" if parts.netloc else "***"
    return mask_account(address)


@dataclass(frozen=True)
class FailedRow:
    """One failed delivery as listed: what, to whom (masked), why and how often it was tried."""

    id: int
    channel: str
    channel_label: str
    recipient: str
    address: str
    subject: str
    error: str
    attempts: int
    created_at: Any


def failed_row(delivery: Delivery) -> FailedRow:
    """Return the listed form of ``delivery`` (its notification or digest loaded)."""
    channel = CHANNELS.get(delivery.channel)
    if delivery.notification is not None:
        subject = delivery.notification.subject
    elif delivery.digest is not None:
        subject = f"通知汇总：{delivery.digest.day:%Y-%m-%d}"
    else:
        subject = ""
    recipient = delivery.recipient
    return FailedRow(
        id=delivery.pk,
        channel=delivery.channel,
        channel_label=channel.label if channel is not None else delivery.channel,
        recipient=getattr(recipient, "display_name", "") or recipient.get_username(),
        address=masked_address(delivery.channel, delivery.address),
        subject=subject,
        error=delivery.error,
        attempts=delivery.attempts,
        created_at=delivery.created_at,
    )
