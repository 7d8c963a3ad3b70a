"""Member notices between syncs (成员变动): a join, a leave or an admin change the bot reports.

OneBot tells the bot at once when someone joins (``group_increase``), leaves or is removed
(``group_decrease``), or is made or unmade admin (``group_admin``). Rather than wait for the next
member-list sync, ``do_apply_member_notice`` records the change as a new snapshot (the latest
one with that member added, removed or re-roled: snapshots are never edited, so the history of
who was in a group stays), sets the registry's member count (the 150 rule, 3(2)) and the bots'
live count, and writes one audit entry. The member list the gateway fetches shortly after
(``sync.sync_group``) then fills in what a notice does not carry (the new member's card).

A group without any member list yet is left to that sync: a notice alone cannot tell who else
is in the group. The bot itself being removed (``kick_me``) is ``do_note_bot_removed``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from qunguan.auditlog import log
from qunguan.auditlog.events import AuditEvent
from qunguan.gateway.protocol import account as _qq
from qunguan.members.actions import latest_snapshot
from qunguan.members.models import MatchStatus, Member, MemberFormat, MemberRole, MemberSnapshot
from qunguan.registry.actions import do_update_group
from qunguan.registry.models import Group, GroupStatus

NOTICE_TYPES = frozenset({"group_increase", "group_decrease", "group_admin"})


@dataclass(frozen=True)
class NoticeResult:
    """What a member notice changed: ``snapshot`` (None: nothing), the count before and after,
    and whether it was the bot itself that was removed."""

    snapshot: MemberSnapshot | None = None
    before: int = 0
    after: int = 0
    bot_removed: bool = False


def _registered(account: str) -> Group | None:
    return (
        Group.objects.select_related("unit")
        .filter(platform="qq", account=account)
        .exclude(status=GroupStatus.DISSOLVED)
        .first()
    )


def _joined(group: Group, snapshot: MemberSnapshot, qq: str) -> Member:
    """Return the row of a member who just joined: verified when the bot approved their request
    against the roster (加群申请), else unknown until the next member list shows their card."""
    from qunguan.gateway.models import JoinDecision, JoinOutcome

    decision = (
        JoinDecision.objects.filter(
            group_account=group.account, user_id=qq, outcome=JoinOutcome.APPROVE, person__isnull=False
        )
        .order_by("-id")
        .first()
    )
    if decision is not None:
        return Member(snapshot=snapshot, platform_id=qq, status=MatchStatus.VERIFIED, person=decision.person)
    return Member(
        snapshot=snapshot,
        platform_id=qq,
        status=MatchStatus.UNKNOWN,
        reason="新入群，尚未同步群名片",
    )


def _copy(member: Member, snapshot: MemberSnapshot, **changes: Any) -> Member:
    fields = {
        f.attname: getattr(member, f.attname)
        for f in Member._meta.concrete_fields
        if f.attname not in ("id", "snapshot_id")
    }
    return Member(snapshot=snapshot, **{**fields, **changes})


def do_apply_member_notice(self_id: str, event: dict[str, Any]) -> NoticeResult:
    """Apply one OneBot member notice of a registered QQ group; return what changed.

    Returns an empty result (and writes nothing) for a notice of an unregistered group, of a
    group without a member list yet, or one that changes nothing (a join of someone already
    listed, a notice delivered twice). Raises nothing for odd content: a notice without a group
    or user number is ignored.
    """
    kind = event.get("notice_type")
    sub_type = str(event.get("sub_type") or "")
    account, qq = _qq(event.get("group_id")), _qq(event.get("user_id"))
    if kind not in NOTICE_TYPES or account is None or qq is None:
        return NoticeResult()
    if kind == "group_decrease" and (sub_type == "kick_me" or qq == self_id):
        return do_note_bot_removed(self_id, account, operator=_qq(event.get("operator_id")) or "")
    with transaction.atomic():
        group = _registered(account)
        last = latest_snapshot(group) if group is not None else None
        if group is None or last is None:
            return NoticeResult()
        # One notice at a time per group: two joins handled at once must not both copy one list.
        Group.objects.select_for_update().filter(pk=group.pk).first()
        last = latest_snapshot(group)
        assert last is not None
        members = list(last.members.order_by("pk"))
        listed = {m.platform_id: m for m in members}
        if kind == "group_increase" and qq in listed:
            return NoticeResult()
        if kind in ("group_decrease", "group_admin") and qq not in listed:
            return NoticeResult()
        if kind == "group_admin":
            role = MemberRole.ADMIN if sub_type == "set" else MemberRole.MEMBER
            if listed[qq].role in (role, MemberRole.OWNER):
                return NoticeResult()
        snapshot = MemberSnapshot.objects.create(
            group=group,
            taken_at=max(timezone.now(), last.taken_at),
            source_format=MemberFormat.ONEBOT,
            file_name=f"onebot-notice-{account}-{kind}-{qq}"[:255],
            member_count=0,
            naming_convention=last.naming_convention,
        )
        rows: list[Member] = []
        for member in members:
            if member.platform_id == qq and kind == "group_decrease":
                continue
            if member.platform_id == qq and kind == "group_admin":
                rows.append(_copy(member, snapshot, role=role))
            else:
                rows.append(_copy(member, snapshot))
        if kind == "group_increase":
            rows.append(_joined(group, snapshot, qq))
        Member.objects.bulk_create(rows)
        snapshot.member_count = len(rows)
        snapshot.save(update_fields=["member_count"])
        before = group.member_count
        if before != snapshot.member_count:
            do_update_group(None, group, member_count=snapshot.member_count)
        _set_live_count(account, snapshot.member_count)
        event_type, summary = _describe(kind, sub_type, group, qq, snapshot.member_count)
        log.append(
            actor=None,
            event=event_type,
            obj=group,
            unit_path=group.unit.path,
            summary=summary,
            before={"members": before},
            after={
                "members": snapshot.member_count,
                "snapshot": snapshot.pk,
                "qq": qq,
                "notice": kind,
                "sub_type": sub_type,
                "bot": self_id,
            },
        )
    return NoticeResult(snapshot, before, snapshot.member_count)


def _set_live_count(account: str, count: int) -> None:
    from qunguan.gateway.models import BotGroup

    BotGroup.objects.filter(account=account).update(member_count=count)


def _describe(kind: str, sub_type: str, group: Group, qq: str, count: int) -> tuple[AuditEvent, str]:
    if kind == "group_increase":
        return AuditEvent.GATEWAY_MEMBER_JOINED, f"QQ {qq} 加入群“{group.name}”，现有 {count} 人"
    if kind == "group_decrease":
        how = "被移出" if sub_type == "kick" else "退出"
        return AuditEvent.GATEWAY_MEMBER_LEFT, f"QQ {qq} {how}群“{group.name}”，现有 {count} 人"
    change = "设为管理员" if sub_type == "set" else "取消管理员"
    return AuditEvent.GATEWAY_ADMIN_CHANGED, f"群“{group.name}”中 QQ {qq} 被{change}"


@transaction.atomic
def do_note_bot_removed(self_id: str, account: str, *, operator: str = "") -> NoticeResult:
    """Record that the bot ``self_id`` was removed from group ``account`` (kick_me); return the result.

    The bot's link to the group (``BotGroup``) is dropped, so sanctions, announcements and cards
    no longer pick a bot that cannot act there; the group's liaisons learn of it at once (the
    group is no longer watched); one audit entry. A second notice of the same removal changes
    nothing and writes nothing.
    """
    from qunguan.gateway.models import BotGroup

    removed, _ = BotGroup.objects.filter(self_id=self_id, account=account).delete()
    if not removed:
        return NoticeResult(bot_removed=True)
    group = _registered(account)
    name = group.name if group is not None else account
    by = f"（操作者 QQ {operator}）" if operator else ""
    log.append(
        actor=None,
        event=AuditEvent.GATEWAY_BOT_REMOVED,
        obj=group,
        object_type=None if group is not None else "gateway.group",
        object_id=None if group is not None else account,
        unit_path=group.unit.path if group is not None else "",
        summary=f"机器人 {self_id} 被移出群“{name}”{by}，该群的消息不再实时审核",
        after={"bot": self_id, "group": account, "operator": operator},
    )
    if group is not None:
        from qunguan.campaigns import notices

        notices.notify(
            notices.liaisons(group.unit),
            subject=f"机器人已被移出群“{group.name}”",
            body=(
                f"机器人 {self_id} 已被移出群“{group.name}”（群号 {account}）{by}。"
                "该群的消息不再实时审核，请将机器人重新拉入群并设为管理员。"
            ),
            severity="high",
            link=notices.link("bot_group", group.pk),
        )
    return NoticeResult(bot_removed=True)
