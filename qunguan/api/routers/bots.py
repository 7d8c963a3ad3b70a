"""QQ bots over the API: bot accounts with their presence and groups (scoped), and the
school-wide sanction list (全校联动处置, 宣传部 only).

Bots and their groups come through ``qunguan.gateway.access`` as on the web page: a caller sees a
bot and the groups it sits in only where the caller sees the group; unregistered groups are the
supervisor's. Sanctions go through ``gateway.actions`` (reason required, one audit entry each).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from qunguan.api.routers import ERRORS, WRITE_ERRORS, actor
from qunguan.gateway import access as gateway_access
from qunguan.gateway import presence
from qunguan.gateway.actions import do_apply_sanction, do_lift_sanction
from qunguan.gateway.models import BotAccount, BotGroup, Sanction
from qunguan.registry import access
from qunguan.registry.errors import OUT_OF_SCOPE, RegistryError

router = Router(tags=["bots QQ机器人"])


class Ref(Schema):
    id: int
    name: str


class BotGroupOut(Schema):
    account: str = Field(description="群号")
    name: str = Field(description="群名称（同步时所见）")
    member_count: int = Field(description="同步或成员变动时的现有人数")
    group: Ref | None = Field(description="登记的群组；未登记为 null（仅宣传部可见）")
    last_activity: dt.datetime | None
    synced_at: dt.datetime


class BotOut(Schema):
    self_id: str = Field(description="机器人QQ号")
    transport: str = Field(description="连接方式：reverse、forward、http；未连接过为空")
    connected: bool
    connected_at: dt.datetime | None
    last_seen: dt.datetime | None
    groups: list[BotGroupOut]


class SanctionIn(Schema):
    qq: str = Field(max_length=20, description="被处置的QQ号")
    kind: Literal["mute", "kick"]
    minutes: int = Field(0, ge=0, le=43200, description="禁言分钟数（mute 时 1–43200）")
    reason: str = Field(max_length=300, description="处置理由（必填）")


class LiftIn(Schema):
    reason: str = Field(max_length=300, description="解除理由（必填）")


class SanctionOut(Schema):
    id: int
    qq: str
    kind: str
    kind_label: str
    minutes: int
    reason: str
    created_by: str | None
    created_at: dt.datetime
    lifted_at: dt.datetime | None
    lifted_by: str | None
    lift_reason: str
    actions: dict[str, int] = Field(description="各群执行情况：状态 → 群数")


def _bot_group(place: BotGroup) -> dict[str, Any]:
    return {
        "account": place.account,
        "name": place.name,
        "member_count": place.member_count,
        "group": {"id": place.group.pk, "name": place.group.name} if place.group else None,
        "last_activity": place.last_activity,
        "synced_at": place.synced_at,
    }


@router.get("/bots", response={200: list[BotOut], **ERRORS}, summary="机器人账号、在线状态与所在群")
def list_bots(request: HttpRequest) -> Any:
    """Each bot the caller may see, with the groups it sits in that the caller may see."""
    user = actor(request)
    now = timezone.now()
    by_bot: dict[str, list[BotGroup]] = defaultdict(list)
    for place in gateway_access.visible_bot_groups(user).select_related("group").order_by("account"):
        by_bot[place.self_id].append(place)
    known: dict[str, BotAccount] = {b.self_id: b for b in gateway_access.visible_bots(user)}
    out = []
    for self_id in sorted(set(known) | set(by_bot)):
        bot = known.get(self_id)
        out.append(
            {
                "self_id": self_id,
                "transport": bot.transport if bot else "",
                "connected": bot is not None and presence.is_connected(bot, now),
                "connected_at": bot.connected_at if bot else None,
                "last_seen": bot.last_seen if bot else None,
                "groups": [_bot_group(p) for p in by_bot.get(self_id, [])],
            }
        )
    return out


def _require_supervisor(request: HttpRequest) -> Any:
    user = actor(request)
    if not access.is_supervisor(user):
        raise RegistryError(OUT_OF_SCOPE, "只有党委宣传部可以查看和实施全校联动处置。")
    return user


def _sanction(s: Sanction) -> dict[str, Any]:
    from qunguan.gateway.models import ActionStatus

    counts = Counter(s.actions.values_list("status", flat=True))
    return {
        "id": s.pk,
        "qq": s.qq,
        "kind": s.kind,
        "kind_label": s.get_kind_display(),
        "minutes": s.minutes,
        "reason": s.reason,
        "created_by": s.created_by.get_username() if s.created_by else None,
        "created_at": s.created_at,
        "lifted_at": s.lifted_at,
        "lifted_by": s.lifted_by.get_username() if s.lifted_by else None,
        "lift_reason": s.lift_reason,
        "actions": {ActionStatus(k).label: n for k, n in sorted(counts.items())},
    }


@router.get("/sanctions", response={200: list[SanctionOut], **ERRORS}, summary="全校联动处置列表")
def list_sanctions(request: HttpRequest) -> Any:
    _require_supervisor(request)
    rows = Sanction.objects.select_related("created_by", "lifted_by").order_by("-created_at", "-id")[:500]
    return [_sanction(s) for s in rows]


@router.post("/sanctions", response={201: SanctionOut, **WRITE_ERRORS}, summary="实施全校联动处置")
def apply_sanction(request: HttpRequest, payload: SanctionIn) -> Any:
    """Mute or remove a QQ account in every registered group a bot sits in (宣传部 only)."""
    user = _require_supervisor(request)
    sanction = do_apply_sanction(
        user, qq=payload.qq, kind=payload.kind, reason=payload.reason, minutes=payload.minutes
    )
    return Status(201, _sanction(sanction))


@router.post(
    "/sanctions/{sanction_id}/lift", response={200: SanctionOut, **WRITE_ERRORS}, summary="解除全校联动处置"
)
def lift_sanction(request: HttpRequest, sanction_id: int, payload: LiftIn) -> Any:
    user = _require_supervisor(request)
    sanction = gateway_access.access_sanction(user, sanction_id)
    return _sanction(do_lift_sanction(user, sanction, reason=payload.reason))
