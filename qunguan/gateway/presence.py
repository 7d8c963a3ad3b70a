"""Which bot accounts are connected (机器人在线状态), written by the gateway, read by the web pages.

The gateway and the web server are separate processes, so the gateway records each bot's
connection in ``BotAccount``: on connect, on disconnect, and ``last_seen`` while it hears from
it (events, heartbeats, and its own beat every ``BEAT_SECONDS`` for each connected bot). A bot
is shown as connected only while that beat is fresh, so a gateway that died without saying so
does not leave its bots "connected" for ever.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone

from qunguan.gateway.models import BotAccount

# How often the running gateway confirms its connected bots; a record older than STALE is
# shown as not connected.
BEAT_SECONDS = 60.0
STALE = dt.timedelta(seconds=3 * BEAT_SECONDS)


def mark_connected(self_id: str, transport: str) -> None:
    """Record that the bot ``self_id`` connected over ``transport`` (reverse / forward / http)."""
    now = timezone.now()
    BotAccount.objects.update_or_create(
        self_id=self_id,
        defaults={"transport": transport, "connected": True, "connected_at": now, "last_seen": now},
    )


def mark_disconnected(self_ids: Iterable[str]) -> None:
    """Record that the bots ``self_ids`` are no longer connected."""
    ids = [i for i in self_ids if i]
    if ids:
        BotAccount.objects.filter(self_id__in=ids).update(connected=False, disconnected_at=timezone.now())


def mark_seen(self_ids: Iterable[str], transport: str = "") -> None:
    """Record that the bots ``self_ids`` were just heard from (an HTTP-only bot becomes known here)."""
    now = timezone.now()
    for self_id in {i for i in self_ids if i}:
        # A bot that posts over HTTP has no connection to open or close: hearing from it is being connected.
        fields = {
            "last_seen": now,
            **({"connected": True, "transport": "http"} if transport == "http" else {}),
        }
        updated = BotAccount.objects.filter(self_id=self_id).update(**fields)
        if not updated:
            BotAccount.objects.create(
                self_id=self_id, transport=transport, connected=transport == "http", last_seen=now
            )


def is_connected(bot: BotAccount, now: dt.datetime | None = None) -> bool:
    """Return whether ``bot`` counts as connected now: marked so, and heard from within ``STALE``."""
    now = now or timezone.now()
    return bool(bot.connected and bot.last_seen and now - bot.last_seen <= STALE)


def connected_ids() -> set[str]:
    """Return the QQ numbers of the bots connected now."""
    now = timezone.now()
    return {b.self_id for b in BotAccount.objects.filter(connected=True) if is_connected(b, now)}
