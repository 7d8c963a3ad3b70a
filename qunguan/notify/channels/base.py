"""The contract every notification channel (通知渠道) implements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True)
class OutgoingMessage:
    """What a channel sends: a subject, a plain-text body and an absolute link (may be empty)."""

    subject: str
    body: str
    link: str = ""
    severity: str = "low"

    def as_text(self) -> str:
        """Return subject, body and link as one plain-text message."""
        parts = [self.subject]
        if self.body:
            parts.append(self.body)
        if self.link:
            parts.append(f"详情：{self.link}")
        return "\n\n".join(parts)


class DeliveryError(Exception):
    """Sending failed. ``retryable`` says whether trying again later may succeed."""

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable


class ChannelUnavailable(Exception):
    """The channel cannot send right now (e.g. no QQ gateway running); keep the delivery pending."""


class Channel:
    """One way of reaching a person. Subclasses live in ``channels/<name>/transport.py``.

    ``address_field`` names the preference field holding the person's address on this channel
    (None when the channel needs none); ``send`` raises ``DeliveryError`` or ``ChannelUnavailable``.
    """

    name: ClassVar[str]
    label: ClassVar[str]
    address_field: ClassVar[str | None] = None
    # The inbox cannot be turned off: the notification row is the inbox entry.
    always_on: ClassVar[bool] = False

    def unconfigured_reason(self) -> str:
        """Return why the server cannot use this channel at all (e.g. no mail server), or ''."""
        return ""

    def validate_address(self, value: str) -> str:
        """Return ``value`` normalised, or raise ``ValueError`` with a Chinese reason."""
        return value.strip()

    def send(self, address: str, message: OutgoingMessage) -> None:
        raise NotImplementedError
