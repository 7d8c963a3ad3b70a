"""Sync requests (同步请求): asking the running gateway, from another process, to sync its bots.

The scheduler (``gateway_sync``) runs in its own process and cannot call a bot. It queues one
``GatewayAction`` of kind ``sync`` per connected bot, the way the sanction list queues its
actions; the gateway polls queued actions every second and, for a sync request, runs the same
sync as its periodic one (``sync.sync_bot``: group list, member lists, snapshots, unregistered
groups) and records the outcome on the action. A bot that still has a request waiting gets no
second one, so running the job twice queues once.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from qunguan.auditlog import log
from qunguan.auditlog.events import AuditEvent
from qunguan.gateway import presence
from qunguan.gateway.models import ActionKind, ActionStatus, GatewayAction

# Not a OneBot API: the gateway answers it by syncing the bot itself.
SYNC_API = "qunguan.sync_bot"
# A request the gateway took but never answered (it stopped mid-sync) stops blocking a new one.
STALE_AFTER = dt.timedelta(hours=1)


def waiting_bots(now: dt.datetime) -> set[str]:
    """Return the bots with a sync request queued, or taken by the gateway less than an hour ago."""
    rows = GatewayAction.objects.filter(kind=ActionKind.SYNC, api=SYNC_API).filter(
        Q(status=ActionStatus.QUEUED) | Q(status=ActionStatus.PLANNED, created_at__gte=now - STALE_AFTER)
    )
    return set(rows.values_list("self_id", flat=True))


@transaction.atomic
def do_request_sync(now: dt.datetime | None = None, actor: Any = None) -> list[GatewayAction]:
    """Queue a sync for every connected bot that has none waiting; return the requests queued.

    Writes one audit-log entry when something was queued.
    """
    now = now or timezone.now()
    bots = sorted(presence.connected_ids() - waiting_bots(now))
    rows = [
        GatewayAction.objects.create(
            kind=ActionKind.SYNC,
            api=SYNC_API,
            params={},
            self_id=bot,
            reason=f"由 {actor.get_username() if actor is not None else '定时任务'} 请求同步",
            status=ActionStatus.QUEUED,
        )
        for bot in bots
    ]
    if rows:
        log.append(
            actor=actor,
            event=AuditEvent.GATEWAY_SYNC_REQUESTED,
            object_type="gateway.sync",
            object_id=",".join(bots)[:64],
            summary=f"请求 {len(bots)} 个机器人同步群列表与成员名单：{'、'.join(bots)}"[:500],
            after={"bots": bots, "actions": [r.pk for r in rows]},
        )
    return rows
