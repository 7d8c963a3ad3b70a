"""The notification channels qunguan can send through, one sub-package each, registered here.

Each channel is a sub-package with ``transport.py`` defining a ``Channel`` subclass (copy an
existing one: ``wecom`` is the smallest with an address); adding one means that package, its
tests in ``tests/notify/``, and one line in ``_PACKAGES`` below.
"""

from __future__ import annotations

from importlib import import_module

from qunguan.notify.channels.base import Channel, ChannelUnavailable, DeliveryError, OutgoingMessage

CHANNELS: dict[str, Channel] = {}


def register(cls: type[Channel]) -> type[Channel]:
    """Class decorator: make a channel known to preferences and delivery."""
    CHANNELS[cls.name] = cls()
    return cls


def get(name: str) -> Channel:
    """Return the channel called ``name``; raise ``KeyError`` for an unknown one."""
    return CHANNELS[name]


__all__ = ["CHANNELS", "Channel", "ChannelUnavailable", "DeliveryError", "OutgoingMessage", "get", "register"]

# The order here is the order the preferences page lists them.
_PACKAGES: tuple[str, ...] = ("inbox", "email", "wecom", "qq")
for _name in _PACKAGES:
    import_module(f"{__name__}.{_name}.transport")
