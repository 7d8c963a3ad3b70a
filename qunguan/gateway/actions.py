"""Gateway actions a person takes (网关处置): the school-wide sanction list, group announcements, cards.

``do_apply_sanction`` is 一处违规，全校联动: the supervisor mutes an account, or removes it, in
every registered group a bot sits in (as the last sync saw them). The sanction and one queued
``GatewayAction`` per group are written in one transaction with one audit entry; the running
gateway sends queued actions within seconds (``server.Gateway`` polls them), so the web UI, the
API and the command line need no connection to the bot. A sanctioned account's join requests
are rejected everywhere (``joins.judge``).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from qunguan.accounts.models import Role
from qunguan.auditlog import log
from qunguan.auditlog.events import AuditEvent
from qunguan.gateway import presence
from qunguan.gateway.models import ActionKind, ActionStatus, BotGroup, GatewayAction, Sanction, SanctionKind
from qunguan.registry import access
from qunguan.registry.errors import BAD_STATE, INVALID, OUT_OF_SCOPE, RegistryError
from qunguan.registry.models import Group, Platform

# QQ caps a mute at 30 days.
ANNOUNCEMENT_MAX_CHARS = 500
CARD_MAX_CHARS = 60
MAX_MUTE_MINUTES = 30 * 24 * 60


def do_apply_sanction(actor: Any, *, qq: str, kind: str, reason: str, minutes: int = 0) -> Sanction:
    """Sanction the QQ account ``qq`` in every registered group a bot sits in; return the sanction.

    Only the supervisor (党委宣传部) may. Raises RegistryError ``out_of_scope`` for anyone else and
    ``invalid`` (with ``field``) for a bad QQ number, kind, duration or an empty reason.
    """
    if actor is not None and not access.is_supervisor(actor):
        raise RegistryError(OUT_OF_SCOPE, "只有党委宣传部可以实施全校联动处置。")
    qq = qq.strip()
    if not qq.isascii() or not qq.isdigit() or not 5 <= len(qq) <= 12:
        raise RegistryError(INVALID, f"QQ号“{qq}”应为5到12位数字", field="qq")
    if kind not in SanctionKind.values:
        raise RegistryError(INVALID, f"未知的处置措施“{kind}”，可选：mute、kick", field="kind")
    reason = reason.strip()
    if not reason:
        raise RegistryError(INVALID, "请写明处置理由", field="reason")
    if kind == SanctionKind.MUTE and not 1 <= minutes <= MAX_MUTE_MINUTES:
        raise RegistryError(INVALID, f"禁言时长应为1到{MAX_MUTE_MINUTES}分钟", field="minutes")
    with transaction.atomic():
        sanction = Sanction.objects.create(
            qq=qq,
            kind=kind,
            minutes=minutes if kind == SanctionKind.MUTE else 0,
            reason=reason[:300],
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        seen: set[str] = set()
        for place in BotGroup.objects.filter(group__isnull=False).select_related("group").order_by("account"):
            if place.account in seen:
                continue  # two bots in one group: one of them acts
            seen.add(place.account)
            if kind == SanctionKind.MUTE:
                api, params = (
                    "set_group_ban",
                    {"group_id": int(place.account), "user_id": int(qq), "duration": minutes * 60},
                )
            else:
                api, params = (
                    "set_group_kick",
                    {"group_id": int(place.account), "user_id": int(qq), "reject_add_request": True},
                )
            GatewayAction.objects.create(
                kind=ActionKind.MUTE if kind == SanctionKind.MUTE else ActionKind.KICK,
                api=api,
                params=params,
                self_id=place.self_id,
                group=place.group,
                group_account=place.account,
                user_id=qq,
                sanction=sanction,
                reason=reason[:300],
                status=ActionStatus.QUEUED,
            )
        log.append(
            actor=actor,
            event=AuditEvent.GATEWAY_SANCTION_APPLIED,
            obj=sanction,
            summary=f"全校联动处置 QQ {qq}：{sanction.get_kind_display()}，涉及 {len(seen)} 个群。理由：{reason}"[
                :500
            ],
            after={
                "qq": qq,
                "kind": kind,
                "minutes": sanction.minutes,
                "groups": sorted(seen),
                "reason": reason,
            },
        )
    return sanction


def do_lift_sanction(actor: Any, sanction: Sanction, *, reason: str) -> Sanction:
    """Lift the school-wide sanction ``sanction`` (解除全校联动处置); return it.

    A mute is lifted in every registered group a bot sits in (``set_group_ban`` with duration 0);
    actions of the sanction not yet sent are cancelled; a removal cannot be undone in QQ, but the
    account's join requests are no longer refused. Only the supervisor may. Raises RegistryError
    ``out_of_scope``, ``invalid`` (empty reason, field ``reason``) or ``bad_state`` (already lifted).
    """
    if actor is not None and not access.is_supervisor(actor):
        raise RegistryError(OUT_OF_SCOPE, "只有党委宣传部可以解除全校联动处置。")
    reason = reason.strip()
    if not reason:
        raise RegistryError(INVALID, "请写明解除理由", field="reason")
    with transaction.atomic():
        sanction = Sanction.objects.select_for_update().get(pk=sanction.pk)
        if sanction.lifted_at is not None:
            raise RegistryError(BAD_STATE, f"对 QQ {sanction.qq} 的处置已于此前解除。")
        cancelled = GatewayAction.objects.filter(sanction=sanction, status=ActionStatus.QUEUED).update(
            status=ActionStatus.CANCELLED, error="处置已解除，未发送", finished_at=timezone.now()
        )
        seen: set[str] = set()
        if sanction.kind == SanctionKind.MUTE:
            for place in (
                BotGroup.objects.filter(group__isnull=False).select_related("group").order_by("account")
            ):
                if place.account in seen:
                    continue
                seen.add(place.account)
                GatewayAction.objects.create(
                    kind=ActionKind.MUTE,
                    api="set_group_ban",
                    params={"group_id": int(place.account), "user_id": int(sanction.qq), "duration": 0},
                    self_id=place.self_id,
                    group=place.group,
                    group_account=place.account,
                    user_id=sanction.qq,
                    sanction=sanction,
                    reason=f"解除处置：{reason}"[:300],
                    status=ActionStatus.QUEUED,
                )
        sanction.lifted_at = timezone.now()
        sanction.lifted_by = actor if getattr(actor, "pk", None) else None
        sanction.lift_reason = reason[:300]
        sanction.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
        if sanction.kind == SanctionKind.MUTE:
            summary = f"解除对 QQ {sanction.qq} 的全校禁言，涉及 {len(seen)} 个群。理由：{reason}"
        else:
            summary = f"解除对 QQ {sanction.qq} 的全校移出处置，此后可再申请加群。理由：{reason}"
        log.append(
            actor=actor,
            event=AuditEvent.GATEWAY_SANCTION_LIFTED,
            obj=sanction,
            summary=summary[:500],
            before={"lifted": False},
            after={
                "qq": sanction.qq,
                "kind": sanction.kind,
                "groups": sorted(seen),
                "cancelled": cancelled,
                "reason": reason,
            },
        )
    return sanction


def queued_actions(
    limit: int = 200, bots: set[str] | None = None
) -> list[tuple[int, str, str, dict[str, Any]]]:
    """Claim queued actions for sending: mark them planned; return ``(id, self_id, api, params)``.

    With ``bots``, only the actions of those bots (the connected ones) are claimed: the others
    wait in the queue until their bot connects.
    """
    queued = GatewayAction.objects.filter(status=ActionStatus.QUEUED)
    if bots is not None:
        queued = queued.filter(self_id__in=sorted(bots))
    if not queued.exists():
        return []  # the usual case: no write transaction every poll
    with transaction.atomic():
        rows = list(queued.order_by("id").values_list("id", "self_id", "api", "params")[:limit])
        GatewayAction.objects.filter(pk__in=[r[0] for r in rows], status=ActionStatus.QUEUED).update(
            status=ActionStatus.PLANNED
        )
    return rows


def _require_group_control(actor: Any, group: Group) -> None:
    """Allow the managers of the group's unit (and the supervisor) and the group's own admins,
    for a QQ group (the only platform with a bot)."""
    allowed = actor is None or access.can_manage_unit(actor, group.unit)
    if not allowed and not any(
        a.role == Role.GROUP_ADMIN and a.group_id == group.pk for a in access.role_assignments(actor)
    ):
        raise RegistryError(OUT_OF_SCOPE, f"您无权管理群组“{group.name}”。")
    if group.platform != Platform.QQ or not group.account.isdigit():
        raise RegistryError(INVALID, "只有QQ群可以通过机器人操作", field="group")


def _queue(
    actor: Any, group: Group, kind: str, api: str, params: dict[str, Any], *, user_id: str = ""
) -> GatewayAction:
    bots = list(
        BotGroup.objects.filter(account=group.account).order_by("self_id").values_list("self_id", flat=True)
    )
    online = presence.connected_ids()
    # A connected bot acts at once; otherwise the action waits for the first bot to connect.
    bot = next((b for b in bots if b in online), bots[0] if bots else None)
    if bot is None:
        raise RegistryError(
            BAD_STATE, f"还没有机器人账号在群“{group.name}”中（请让机器人入群并设为管理员，等待同步）。"
        )
    return GatewayAction.objects.create(
        kind=kind,
        api=api,
        params=params,
        self_id=bot,
        group=group,
        group_account=group.account,
        user_id=user_id,
        reason=f"由 {actor.get_username() if actor is not None else '系统'} 发起",
        status=ActionStatus.QUEUED,
    )


def do_post_announcement(actor: Any, group: Group, *, text: str) -> GatewayAction:
    """Queue a group announcement (群公告, ``_send_group_notice``) for the gateway; return the action.

    Raises RegistryError: ``out_of_scope`` (not the group's manager or admin), ``invalid`` (empty
    or too long, not a QQ group), ``bad_state`` (no bot sits in the group).
    """
    _require_group_control(actor, group)
    text = text.strip()
    if not text or len(text) > ANNOUNCEMENT_MAX_CHARS:
        raise RegistryError(INVALID, f"群公告应为1到{ANNOUNCEMENT_MAX_CHARS}个字", field="text")
    with transaction.atomic():
        action = _queue(
            actor,
            group,
            ActionKind.ANNOUNCE,
            "_send_group_notice",
            {"group_id": int(group.account), "content": text},
        )
        log.append(
            actor=actor,
            event=AuditEvent.GATEWAY_ANNOUNCEMENT_POSTED,
            obj=action,
            unit_path=group.unit.path,
            summary=f"在群“{group.name}”发布群公告：{text[:60]}",
            after={"group": group.account, "text": text},
        )
    return action


def do_set_member_card(actor: Any, group: Group, *, qq: str, card: str) -> GatewayAction:
    """Queue setting a member's card (群名片, ``set_group_card``) for the gateway; return the action.

    Raises RegistryError like ``do_post_announcement``; ``invalid`` also for a bad QQ number.
    """
    _require_group_control(actor, group)
    qq, card = qq.strip(), card.strip()
    if not qq.isascii() or not qq.isdigit() or not 5 <= len(qq) <= 12:
        raise RegistryError(INVALID, f"QQ号“{qq}”应为5到12位数字", field="qq")
    if len(card) > CARD_MAX_CHARS:
        raise RegistryError(INVALID, f"群名片不能超过{CARD_MAX_CHARS}个字", field="card")
    with transaction.atomic():
        action = _queue(
            actor,
            group,
            ActionKind.CARD,
            "set_group_card",
            {"group_id": int(group.account), "user_id": int(qq), "card": card},
            user_id=qq,
        )
        log.append(
            actor=actor,
            event=AuditEvent.GATEWAY_CARD_SET,
            obj=action,
            unit_path=group.unit.path,
            summary=f"将群“{group.name}”中 QQ {qq} 的群名片设为“{card}”",
            after={"group": group.account, "qq": qq, "card": card},
        )
    return action
