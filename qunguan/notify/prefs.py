"""A person's effective notification preferences (通知设置), with the defaults applied."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from qunguan.notify.channels import CHANNELS
from qunguan.notify.models import Mode, Preference, Severity


@dataclass(frozen=True)
class Resolved:
    """Channels a person receives on (always including the inbox) and their addresses."""

    channels: tuple[str, ...]
    addresses: dict[str, str] = field(default_factory=dict)
    medium_immediate: bool = False

    def mode_for(self, severity: str) -> Mode:
        """Return how a notice of ``severity`` goes out: high at once, low in the digest."""
        if severity == Severity.HIGH or (severity == Severity.MEDIUM and self.medium_immediate):
            return Mode.IMMEDIATE
        return Mode.DIGEST


def default_email(user: Any) -> str:
    """Return the account's e-mail, else its roster person's, else ''."""
    person = getattr(user, "person", None)
    return (user.email or (person.email if person is not None else "") or "").strip()


def resolve(user: Any) -> Resolved:
    """Return ``user``'s preferences; without a saved choice: inbox, plus e-mail when known."""
    pref = Preference.objects.filter(user=user).first()
    if pref is None:
        email = default_email(user)
        channels = ("inbox", "email") if email else ("inbox",)
        return Resolved(channels=channels, addresses={"email": email} if email else {})
    chosen = [name for name in CHANNELS if name in pref.channels or CHANNELS[name].always_on]
    addresses: dict[str, str] = {}
    for name in chosen:
        address_field = CHANNELS[name].address_field
        if address_field:
            value = getattr(pref, address_field) or (default_email(user) if name == "email" else "")
            addresses[name] = value
    return Resolved(channels=tuple(chosen), addresses=addresses, medium_immediate=pref.medium_immediate)
