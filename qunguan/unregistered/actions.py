"""Recording and resolving unregistered groups (未登记群组); each change one audit entry.

``note_sightings`` is called by the import pipeline (``chats.actions``) for every batch that
stored messages of a group the registry lacks, and by the gateway's periodic sync for every group
a bot sits in that the registry lacks. ``do_register_unregistered_group`` registers it (the
registry's own ``do_register_group``) and binds its stored messages and findings to the new
group; ``do_dismiss_unregistered_group`` records that it is not a work group, with a reason.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from qunguan.accounts.models import Role
from qunguan.auditlog import log
from qunguan.auditlog.events import AuditEvent
from qunguan.registry.access import role_assignments
from qunguan.registry.errors import BAD_STATE, INVALID, OUT_OF_SCOPE, RegistryError
from qunguan.registry.models import Group, Person, Unit
from qunguan.unregistered.access import can_resolve
from qunguan.unregistered.models import SightingSource, SightingStatus, UnregisteredGroup


@dataclass
class Sighting:
    """What one batch (or one sync) saw of one unregistered group."""

    platform: str
    account: str
    name: str
    messages: int = 0
    first: dt.datetime | None = None
    last: dt.datetime | None = None

    @property
    def key(self) -> str:
        return self.account or f"name:{self.name}"

    def add(self, name: str, sent_at: dt.datetime) -> None:
        self.messages += 1
        self.name = self.name or name
        self.first = sent_at if self.first is None or sent_at < self.first else self.first
        self.last = sent_at if self.last is None or sent_at > self.last else self.last


def attributed_unit(actor: Any) -> Unit | None:
    """Return the unit a sighting by ``actor`` belongs to: the unit manager's (highest) unit.

    The supervisor, the operator's command (``None``) and the gateway attribute to no unit.
    """
    if actor is None:
        return None
    units = [a.unit for a in role_assignments(actor) if a.role == Role.UNIT_MANAGER and a.unit is not None]
    if not units or any(a.role == Role.SUPERVISOR for a in role_assignments(actor)):
        return None
    return min(units, key=lambda u: (len(u.path), u.path))


def note_sightings(
    sightings: list[Sighting],
    *,
    source: str,
    actor: Any = None,
    batch: Any = None,
    bot: str = "",
) -> list[UnregisteredGroup]:
    """Record ``sightings``, creating a row (and an audit entry) for a group seen the first time.

    A group already recorded gets its last-seen time and message count moved on; one marked
    "not a work group" stays so. Runs in the caller's transaction; returns the rows touched.
    """
    now = timezone.now()
    unit = attributed_unit(actor)
    out: list[UnregisteredGroup] = []
    with transaction.atomic():
        for s in sightings:
            key = s.key[:120]
            row = UnregisteredGroup.objects.select_for_update().filter(platform=s.platform, key=key).first()
            if row is None:
                try:
                    with transaction.atomic():  # a savepoint: a concurrent import may insert it first
                        row = UnregisteredGroup.objects.create(
                            platform=s.platform,
                            account=s.account[:64],
                            name=s.name[:100],
                            key=key,
                            unit=unit,
                            source=source,
                            first_seen=s.first or now,
                            last_seen=s.last or now,
                            message_count=s.messages,
                            last_batch=batch,
                            bot=bot[:32],
                        )
                except IntegrityError:
                    row = UnregisteredGroup.objects.select_for_update().get(platform=s.platform, key=key)
                else:
                    log.append(
                        actor=actor,
                        event=AuditEvent.UNREGISTERED_GROUP_SEEN,
                        obj=row,
                        unit_path=unit.path if unit else "",
                        summary=f"发现未登记群组“{row.label}”（{row.get_source_display()}，{s.messages} 条消息）",
                        after=_snapshot(row),
                    )
                    out.append(row)
                    continue
            row.message_count += s.messages
            row.last_seen = max(row.last_seen, s.last or now)
            row.name = row.name or s.name[:100]
            if row.unit is None and unit is not None:
                row.unit = unit
            if batch is not None:
                row.last_batch = batch
            if bot:
                row.bot = bot[:32]
            row.save()
            out.append(row)
    return out


def _snapshot(row: UnregisteredGroup) -> dict[str, Any]:
    return {
        "platform": row.platform,
        "account": row.account,
        "name": row.name,
        "unit": row.unit_id,
        "source": row.source,
        "status": row.status,
        "messages": row.message_count,
        "reason": row.reason,
        "group": row.group_id,
    }


def _require_open(actor: Any, row: UnregisteredGroup) -> None:
    if not can_resolve(actor, row):
        raise RegistryError(OUT_OF_SCOPE, "您无权处理这个未登记群组。")
    if row.status != SightingStatus.OPEN:
        raise RegistryError(BAD_STATE, f"未登记群组“{row.label}”已处理（{row.get_status_display()}）。")


@transaction.atomic
def do_register_unregistered_group(
    actor: Any, row: UnregisteredGroup, *, admins: list[Person] | None = None, **data: Any
) -> Group:
    """Register the unregistered group ``row`` with the registration ``data`` and return the group.

    The messages and findings stored for its account (or, without one, its name) are bound to
    the new group. Raises ``RegistryError`` (out of scope, already resolved, or whatever
    ``do_register_group`` raises).
    """
    from qunguan.chats.models import ChatMessage, Finding
    from qunguan.registry.actions import do_register_group

    row = UnregisteredGroup.objects.select_for_update().get(pk=row.pk)
    _require_open(actor, row)
    before = _snapshot(row)
    group = do_register_group(actor, admins=admins or [], **data)
    messages = ChatMessage.objects.filter(group__isnull=True, platform=row.platform)
    messages = (
        messages.filter(group_account=row.account) if row.account else messages.filter(group_name=row.name)
    )
    ids = list(messages.values_list("pk", flat=True))
    ChatMessage.objects.filter(pk__in=ids).update(group=group)
    Finding.objects.filter(message_id__in=ids, group__isnull=True).update(group=group)
    row.status = SightingStatus.REGISTERED
    row.group = group
    row.unit = row.unit or group.unit
    row.resolved_by = actor if getattr(actor, "pk", None) else None
    row.resolved_at = timezone.now()
    row.save()
    log.append(
        actor=actor,
        event=AuditEvent.UNREGISTERED_GROUP_REGISTERED,
        obj=row,
        unit_path=group.unit.path,
        summary=f"将未登记群组“{row.label}”登记为“{group.name}”，归入 {len(ids)} 条已导入消息",
        before=before,
        after=_snapshot(row),
    )
    return group


@transaction.atomic
def do_dismiss_unregistered_group(actor: Any, row: UnregisteredGroup, *, reason: str) -> UnregisteredGroup:
    """Record that ``row`` is not a work group (非工作群), with ``reason``; return it.

    Raises ``RegistryError`` when the reason is empty, the row is resolved or out of scope.
    """
    reason = (reason or "").strip()
    if not reason:
        raise RegistryError(INVALID, "请填写认定为非工作群的理由。")
    row = UnregisteredGroup.objects.select_for_update(of=("self",)).select_related("unit").get(pk=row.pk)
    _require_open(actor, row)
    before = _snapshot(row)
    row.status = SightingStatus.NOT_WORK
    row.reason = reason[:300]
    row.resolved_by = actor if getattr(actor, "pk", None) else None
    row.resolved_at = timezone.now()
    row.save()
    log.append(
        actor=actor,
        event=AuditEvent.UNREGISTERED_GROUP_DISMISSED,
        obj=row,
        unit_path=row.unit.path if row.unit else "",
        summary=f"认定“{row.label}”为非工作群：{row.reason}",
        before=before,
        after=_snapshot(row),
    )
    return row


@transaction.atomic
def do_reopen_unregistered_group(actor: Any, row: UnregisteredGroup, *, note: str = "") -> UnregisteredGroup:
    """Reopen ``row``, marked "not a work group" by mistake, so that it is a breach again; return it.

    A registered one cannot be reopened (its group is in the registry). Raises ``RegistryError``
    when the row is out of scope or not marked as not a work group.
    """
    row = UnregisteredGroup.objects.select_for_update(of=("self",)).select_related("unit").get(pk=row.pk)
    if not can_resolve(actor, row):
        raise RegistryError(OUT_OF_SCOPE, "您无权处理这个未登记群组。")
    if row.status != SightingStatus.NOT_WORK:
        raise RegistryError(
            BAD_STATE,
            f"只有认定为非工作群的未登记群组可以重新打开，“{row.label}”当前为{row.get_status_display()}。",
        )
    before = _snapshot(row)
    row.status = SightingStatus.OPEN
    row.reason = ""
    row.resolved_by = None
    row.resolved_at = None
    row.save()
    note = (note or "").strip()[:300]
    log.append(
        actor=actor,
        event=AuditEvent.UNREGISTERED_GROUP_REOPENED,
        obj=row,
        unit_path=row.unit.path if row.unit else "",
        summary=f"重新打开未登记群组“{row.label}”（原认定为非工作群：{before['reason']}）"
        + (f"：{note}" if note else ""),
        before=before,
        after={**_snapshot(row), "note": note},
    )
    return row


__all__ = [
    "Sighting",
    "SightingSource",
    "attributed_unit",
    "do_dismiss_unregistered_group",
    "do_register_unregistered_group",
    "do_reopen_unregistered_group",
    "note_sightings",
]
