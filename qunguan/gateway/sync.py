"""Periodic sync (定时同步): group lists, group info and member lists from each connected bot.

For every group a bot sits in (``get_group_list``) the sync keeps a ``BotGroup`` row: the live
member count (the 150 rule, 3(2)), the last time a member spoke (``last_sent_time``, 4(1)), and
whether the registry knows the group — a group the bot sits in that the registry lacks is an
unregistered group. For a registered group the member list (``get_group_member_list``) becomes a
member snapshot through ``members.do_import_members`` (real-name matching, member count in the
registry), unless it is the same list as the last snapshot. One audit entry per bot and run.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from qunguan.auditlog import log
from qunguan.auditlog.events import AuditEvent
from qunguan.gateway.models import BotGroup
from qunguan.gateway.protocol import ActionFailed, ActionTimeout, NotConnected, account
from qunguan.registry.models import Group, GroupStatus
from qunguan.unregistered.actions import Sighting as SeenUnregistered
from qunguan.unregistered.actions import note_sightings
from qunguan.unregistered.models import SightingSource

if TYPE_CHECKING:
    from qunguan.gateway.server import Gateway

logger = logging.getLogger("qunguan.gateway")


@dataclass
class SeenGroup:
    account: str
    name: str
    member_count: int
    members: list[dict[str, Any]] | None = None


@dataclass
class SyncReport:
    """What one sync of one bot found."""

    self_id: str
    groups: int = 0
    registered: int = 0
    unregistered: list[str] = field(default_factory=list)  # accounts
    snapshots: int = 0
    errors: list[str] = field(default_factory=list)
    # account → Chinese sentence: QQ's owner/admins differ from the registry's (管理办法 1(2)).
    admins_differ: dict[str, str] = field(default_factory=dict)


async def periodic_sync(gateway: Gateway, every: float) -> None:
    """Sync every connected bot every ``every`` seconds until the gateway stops."""
    while not gateway._stopping:
        await asyncio.sleep(every)
        for self_id in list(gateway.links):
            try:
                await sync_bot(gateway, self_id)
            except (ActionFailed, ActionTimeout, NotConnected) as exc:
                logger.warning("同步机器人 %s 的群信息失败：%s", self_id, exc)


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


async def sync_bot(gateway: Gateway, self_id: str) -> SyncReport:
    """Fetch the groups and member lists of one bot and record them; return what was found."""
    listed = await gateway.call(self_id, "get_group_list", {})
    if not isinstance(listed, list):
        raise ActionFailed("get_group_list", -1, "返回的不是群列表")
    registered = set(
        await gateway.db(
            lambda: list(
                Group.objects.filter(platform="qq")
                .exclude(status=GroupStatus.DISSOLVED)
                .values_list("account", flat=True)
            )
        )
    )
    seen: list[SeenGroup] = []
    errors: list[str] = []
    for item in listed:
        gid = account(item.get("group_id")) if isinstance(item, dict) else None
        if gid is None:
            continue
        group = SeenGroup(gid, str(item.get("group_name") or "")[:100], _int(item.get("member_count")))
        if gid in registered:
            try:
                if not group.member_count:
                    info = await gateway.call(self_id, "get_group_info", {"group_id": int(gid)})
                    group.member_count = _int(info.get("member_count")) if isinstance(info, dict) else 0
                members = await gateway.call(self_id, "get_group_member_list", {"group_id": int(gid)})
                group.members = members if isinstance(members, list) else None
            except (ActionFailed, ActionTimeout) as exc:
                errors.append(f"{gid}：{exc}")
        seen.append(group)
    report = await gateway.db(record_sync, self_id, seen)
    report.errors = errors
    return report


async def sync_group(gateway: Gateway, self_id: str, account_: str) -> SyncReport | None:
    """Fetch and record the member list of one registered group (after a member change)."""
    registered = await gateway.db(
        lambda: (
            Group.objects.filter(platform="qq", account=account_)
            .exclude(status=GroupStatus.DISSOLVED)
            .exists()
        )
    )
    if not registered:
        return None
    members = await gateway.call(self_id, "get_group_member_list", {"group_id": int(account_)})
    if not isinstance(members, list):
        raise ActionFailed("get_group_member_list", -1, "返回的不是成员列表")
    return await gateway.db(record_sync, self_id, [SeenGroup(account_, "", len(members), members)])


def _last_activity(members: list[dict[str, Any]] | None) -> dt.datetime | None:
    times = [_int(m.get("last_sent_time")) for m in members or [] if isinstance(m, dict)]
    latest = max(times, default=0)
    return dt.datetime.fromtimestamp(latest, tz=dt.UTC) if latest else None


def _same_as_last_snapshot(group: Group, members: list[dict[str, Any]]) -> bool:
    from qunguan.members.models import MemberSnapshot

    last = MemberSnapshot.objects.filter(group=group).order_by("-taken_at", "-pk").first()
    if last is None:
        return False
    before = set(last.members.values_list("platform_id", "card", "role"))
    now = {
        (str(m.get("user_id")), str(m.get("card") or ""), str(m.get("role") or "member"))
        for m in members
        if isinstance(m, dict)
    }
    return {(p, c) for p, c, _ in before} == {(p, c) for p, c, _ in now}


def admins_differ(group: Group) -> str:
    """Return how the owner and admins in QQ (latest member list, roster-matched) differ from the
    registry's owner and admins, as one Chinese sentence ("" when they agree or nothing is known)."""
    from qunguan.members.models import MemberRole, MemberSnapshot

    last = MemberSnapshot.objects.filter(group=group).order_by("-taken_at", "-pk").first()
    if last is None:
        return ""
    in_qq = {
        m.person.pk: m.person.name
        for m in last.members.filter(role__in=[MemberRole.OWNER, MemberRole.ADMIN]).select_related("person")
        if m.person is not None
    }
    registered = {p.pk: p.name for p in group.admins.all()}
    if group.owner is not None:
        registered[group.owner.pk] = group.owner.name
    extra = [name for pk, name in in_qq.items() if pk not in registered]
    missing = [name for pk, name in registered.items() if pk not in in_qq]
    parts = []
    if extra:
        parts.append(f"QQ中的群主/管理员{'、'.join(extra)}未登记为管理员")
    if missing:
        parts.append(f"登记的管理员{'、'.join(missing)}在QQ中不是群主/管理员")
    return "；".join(parts)


def record_sync(self_id: str, seen: list[SeenGroup]) -> SyncReport:
    """Record one bot's groups and member lists (database side of ``sync_bot``)."""
    from qunguan.members.actions import MemberImportError, do_import_members

    report = SyncReport(self_id, groups=len(seen))
    now = timezone.now()
    with transaction.atomic():
        for item in seen:
            group = (
                Group.objects.select_related("unit")
                .filter(platform="qq", account=item.account)
                .exclude(status=GroupStatus.DISSOLVED)
                .first()
            )
            count = len(item.members) if item.members else item.member_count
            defaults: dict[str, Any] = {
                "member_count": count,
                "group": group,
                "last_activity": _last_activity(item.members),
                "synced_at": now,
            }
            if item.name:  # a single group's member list names no group
                defaults["name"] = item.name
            BotGroup.objects.update_or_create(self_id=self_id, account=item.account, defaults=defaults)
            if group is None:
                report.unregistered.append(item.account)
                continue
            report.registered += 1
            if item.members and not _same_as_last_snapshot(group, item.members):
                body = json.dumps(item.members, ensure_ascii=False).encode("utf-8")
                try:
                    with transaction.atomic():
                        do_import_members(
                            None,
                            group,
                            io.BytesIO(body),
                            filename=f"onebot-{item.account}.json",
                            fmt="onebot",
                        )
                    report.snapshots += 1
                except MemberImportError as exc:
                    report.errors.append(f"{item.account}：{exc}")
            differ = admins_differ(group)
            if differ:
                report.admins_differ[item.account] = differ
        # The same record the import pipeline keeps: an unregistered group is a breach of 1(1).
        note_sightings(
            [
                SeenUnregistered("qq", item.account, item.name)
                for item in seen
                if item.account in report.unregistered
            ],
            source=SightingSource.GATEWAY,
            bot=self_id,
        )
        unregistered = "、".join(report.unregistered[:20]) or "无"
        log.append(
            actor=None,
            event=AuditEvent.GATEWAY_GROUPS_SYNCED,
            object_type="gateway.bot",
            object_id=self_id,
            summary=(
                f"机器人 {self_id} 同步了 {report.groups} 个QQ群：已登记 {report.registered} 个，"
                f"未登记 {len(report.unregistered)} 个（{unregistered}），更新成员名单 {report.snapshots} 个，"
                f"管理员与登记不符 {len(report.admins_differ)} 个"
            ),
            after={
                "groups": report.groups,
                "unregistered": report.unregistered,
                "snapshots": report.snapshots,
                "admins_differ": report.admins_differ,
            },
        )
    return report
