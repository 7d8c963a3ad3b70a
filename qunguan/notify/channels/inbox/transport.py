"""The in-app inbox channel: always on, delivers by being stored."""

from __future__ import annotations

from qunguan.notify.channels import register
from qunguan.notify.channels.base import Channel, OutgoingMessage


@register
class InboxChannel(Channel):
    name = "inbox"
    label = "站内信"
    always_on = True

    def send(self, address: str, message: OutgoingMessage) -> None:
        """Do nothing: the notification is already in the inbox."""
