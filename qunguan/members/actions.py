"""Importing a group's member list (导入群成员名单) and exporting the removal list (待清理成员名单).

``do_import_members`` is the one way a member list enters the database; ``do_export_removals``
the one way the list of members to remove leaves it. Both check the actor's scope, run in one
transaction and write one audit-log entry.

A member file is imported whole or not at all, as the roster is. A snapshot says "these are
the members on this day": dropping its bad rows would understate the group's size (and so hide
an over-150 or over-headcount breach) and would drop precisely the odd entries real-name
verification is meant to show. So every problem is reported with its line and field, and
nothing is written until the file is clean.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.utils import timezone

from qunguan.auditlog import log
from qunguan.auditlog.events import AuditEvent
from qunguan.members import naming
from qunguan.members.formats import MemberList, UnreadableMemberFile, read_member_file
from qunguan.members.models import MatchStatus, Member, MemberSnapshot
from qunguan.members.removals import WRITERS, removal_rows
from qunguan.registry import access, errors
from qunguan.registry.actions import do_update_group
from qunguan.registry.errors import RegistryError
from qunguan.registry.imports.reading import FileProblem, read_bytes
from qunguan.registry.models import Group, Person, Platform

# Stable codes of member-import problems (the CLI, the web page and tests rely on them).
UNREADABLE = "unreadable"
INVALID_ROWS = "invalid_rows"
GROUP_MISMATCH = "group_mismatch"

# Which platform each machine format comes from; a CSV/XLSX sheet may be of any platform.
FORMAT_PLATFORMS: dict[str, set[str]] = {
    "onebot": {Platform.QQ},
    "wecom": {Platform.WECOM},
    "chatlog": {Platform.WECHAT},
}


class MemberImportError(RegistryError):
    """The file was refused; ``problems`` lists each bad record as ``FILE:LINE: 字段: 原因``."""

    def __init__(self, code: str, message: str, problems: list[str] | None = None) -> None:
        super().__init__(code, message, field="file")
        self.problems = problems or []


@dataclass(frozen=True)
class MemberImport:
    """What an import did: the snapshot, members per real-name status, and the count before."""

    snapshot: MemberSnapshot
    statuses: dict[str, int]
    robots: int
    previous_count: int

    def summary(self) -> str:
        """Return one Chinese sentence for the CLI and the web page."""
        parts = "，".join(f"{s.label} {self.statuses.get(s.value, 0)} 人" for s in MatchStatus)
        robots = f"（另有机器人 {self.robots} 个）" if self.robots else ""
        count = self.snapshot.member_count
        change = (
            f"现有人数由 {self.previous_count} 改为 {count}"
            if count != self.previous_count
            else f"现有人数 {count} 未变"
        )
        return f"{self.snapshot.file_name}：已导入 {count} 名成员{robots}；{parts}；{change}。"


def _require_manage(actor: Any, group: Group) -> None:
    if actor is not None and not access.can_manage_unit(actor, group.unit):
        raise RegistryError(errors.OUT_OF_SCOPE, f"您无权管理单位“{group.unit.name}”的数据。")


def _read(source: str | Path | IO[bytes] | Any, filename: str | None) -> tuple[bytes, str]:
    try:
        if isinstance(source, str | Path):
            with Path(source).open("rb") as handle:
                return read_bytes(handle), filename or str(source)
        return read_bytes(source), filename or str(getattr(source, "name", "") or "members")
    except FileProblem as exc:
        raise MemberImportError(UNREADABLE, f"{filename or source}：{exc}") from None


def _check_group(members: MemberList, group: Group, filename: str) -> None:
    platforms = FORMAT_PLATFORMS.get(members.format)
    if platforms is not None and group.platform not in platforms:
        raise MemberImportError(
            GROUP_MISMATCH,
            f"{filename}：这是{'、'.join(Platform(p).label for p in sorted(platforms))}的成员名单，"
            f"不能导入到{group.get_platform_display()}“{group.name}”。",
        )
    if members.group_account and members.group_account != group.account:
        raise MemberImportError(
            GROUP_MISMATCH,
            f"{filename}：文件是群 {members.group_account} 的成员名单，与“{group.name}”的群号 {group.account} 不符。",
        )


def roster_index() -> naming.Roster:
    """Return the whole roster indexed for matching (one query; a school's roster fits in memory)."""
    return naming.Roster(
        naming.Candidate(pk, name, number, path, unit_name, active)
        for pk, name, number, path, unit_name, active in Person.objects.values_list(
            "pk", "name", "number", "unit__path", "unit__name", "active"
        )
    )


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is None or timezone.is_aware(moment):
        return moment
    return timezone.make_aware(moment)


@transaction.atomic
def do_import_members(
    actor: Any,
    group: Group,
    source: str | Path | IO[bytes] | Any,
    *,
    filename: str | None = None,
    fmt: str | None = None,
    taken_at: dt.datetime | None = None,
) -> MemberImport:
    """Store a dated member-list snapshot of ``group``, match it to the roster, set the group's member count.

    ``source`` is a path or a binary stream; ``fmt`` one of ``formats.FORMATS`` (detected when
    None); ``taken_at`` defaults to now. The member count goes through ``do_update_group``, so
    the change shows in the group's history; the import itself writes one MEMBERS_IMPORTED entry.

    Raises RegistryError ``out_of_scope`` when the actor does not manage the group's unit, and
    MemberImportError (``unreadable``, ``invalid_rows`` with ``problems``, ``group_mismatch``).
    """
    _require_manage(actor, group)
    data, name = _read(source, filename)
    short = Path(name).name
    try:
        members = read_member_file(data, short, fmt, account=group.account)
    except UnreadableMemberFile as exc:
        raise MemberImportError(UNREADABLE, f"{name}：{exc}") from None
    except ValueError as exc:
        raise RegistryError(errors.INVALID, str(exc), field="format") from None
    if members.problems:
        problems = [p.render(name) for p in members.problems]
        raise MemberImportError(INVALID_ROWS, f"{name}：{len(problems)} 处错误，未导入任何数据。", problems)
    if not members.rows:
        raise MemberImportError(UNREADABLE, f"{name}：名单中没有成员。")
    _check_group(members, group, name)
    convention = group.naming_convention or naming.DEFAULT_CONVENTION
    roster = roster_index()
    snapshot = MemberSnapshot.objects.create(
        group=group,
        taken_at=taken_at or timezone.now(),
        source_format=members.format,
        file_name=short[:255],
        member_count=len(members.rows),
        naming_convention=convention,
        actor=actor if getattr(actor, "pk", None) else None,
    )
    rows = []
    for row in members.rows:
        parsed = naming.parse_display(convention, row.card, row.nickname)
        match = naming.match_member(parsed, roster, group.unit.path, shown=row.card or row.nickname)
        rows.append(
            Member(
                snapshot=snapshot,
                platform_id=row.platform_id,
                nickname=row.nickname[:100],
                card=row.card[:100],
                role=row.role,
                joined_at=_aware(row.joined_at),
                is_robot=row.is_robot,
                status=match.status,
                person_id=match.person_id,
                reason=match.reason[:200],
            )
        )
    Member.objects.bulk_create(rows)
    statuses = Counter(m.status for m in rows if not m.is_robot)
    robots = sum(1 for m in rows if m.is_robot)
    previous = group.member_count
    if previous != snapshot.member_count:
        do_update_group(actor, group, member_count=snapshot.member_count)
    log.append(
        actor=actor,
        event=AuditEvent.MEMBERS_IMPORTED,
        obj=group,
        unit_path=group.unit.path,
        summary=(
            f"导入群组“{group.name}”的成员名单 {short}：{snapshot.member_count} 人，"
            f"未通过实名核验 {sum(n for s, n in statuses.items() if s != MatchStatus.VERIFIED)} 人"
        ),
        after={
            "snapshot": snapshot.pk,
            "file": short,
            "format": members.format,
            "members": snapshot.member_count,
            "statuses": dict(statuses),
            "robots": robots,
            "naming_convention": convention,
        },
    )
    return MemberImport(snapshot, dict(statuses), robots, previous)


def latest_snapshot(group: Group) -> MemberSnapshot | None:
    """Return the group's latest member-list snapshot, or None."""
    return group.member_snapshots.order_by("-taken_at", "-pk").first()


@transaction.atomic
def do_export_removals(actor: Any, group: Group, fmt: str) -> tuple[str, bytes]:
    """Return ``(filename, content)`` of the latest snapshot's members who are not verified, as ``fmt``.

    Anyone who can see the group may export it (group admins remove the members); platform
    ids and roster numbers are in full only for users who may see personal data. Writes one
    REMOVAL_LIST_EXPORTED entry, since the list carries personal data out of the system.

    Raises RegistryError: ``out_of_scope`` when the actor cannot see the group, ``invalid`` for
    an unknown format or a group without a member list.
    """
    if actor is not None and not access.visible_groups(actor).filter(pk=group.pk).exists():
        raise RegistryError(errors.OUT_OF_SCOPE, "群组不存在或不在您的管理范围内。")
    writer = WRITERS.get(fmt)
    if writer is None:
        raise RegistryError(errors.INVALID, f"不支持的导出格式“{fmt}”，请选择 csv 或 xlsx。", field="fmt")
    snapshot = latest_snapshot(group)
    if snapshot is None:
        raise RegistryError(errors.INVALID, f"群组“{group.name}”还没有导入成员名单。")
    reveal = actor is None or access.can_see_personal_data(actor, group.unit)
    rows = removal_rows(snapshot, reveal=reveal)
    content = writer(rows)
    filename = f"待清理成员-{group.account}-{timezone.localtime(snapshot.taken_at):%Y%m%d}.{fmt}"
    log.append(
        actor=actor,
        event=AuditEvent.REMOVAL_LIST_EXPORTED,
        obj=group,
        unit_path=group.unit.path,
        summary=f"导出群组“{group.name}”的待清理成员名单（{len(rows)} 人）",
        after={"snapshot": snapshot.pk, "rows": len(rows), "format": fmt, "masked": not reveal},
    )
    return filename, content
