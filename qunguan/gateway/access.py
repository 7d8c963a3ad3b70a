"""The one way a web page reaches the gateway's records for a user (机器人账号、所在群、处置记录).

Scoped like the registry (``qunguan.registry.access``): a user sees the bot groups and the
actions of the registered groups it sees; groups the registry lacks, actions tied to no group
and the sanction list are the supervisor's alone. A bot account is visible to whoever sees one
of the groups it sits in.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from qunguan.accounts.models import Role
from qunguan.gateway.models import ActionStatus, BotAccount, BotGroup, GatewayAction, Sanction
from qunguan.registry import access
from qunguan.registry.access import NotFound
from qunguan.registry.models import Group, Platform

# Actions a person should look at: not sent yet, or refused by the bot.
OPEN_STATUSES = (ActionStatus.QUEUED, ActionStatus.PLANNED)
FAILED_STATUSES = (ActionStatus.FAILED, ActionStatus.TIMEOUT, ActionStatus.NO_BOT)


def visible_bot_groups(user: Any) -> QuerySet[BotGroup]:
    """Return the groups bots sit in that the user may see (unregistered ones: supervisor only)."""
    if access.is_supervisor(user):
        return BotGroup.objects.all()
    return BotGroup.objects.filter(group__in=access.visible_groups(user))


def visible_bots(user: Any) -> QuerySet[BotAccount]:
    """Return the bot accounts the user may see: those in a group the user sees (supervisor: all)."""
    if access.is_supervisor(user):
        return BotAccount.objects.all()
    seen = visible_bot_groups(user).values_list("self_id", flat=True)
    return BotAccount.objects.filter(self_id__in=seen)


def visible_actions(user: Any) -> QuerySet[GatewayAction]:
    """Return the gateway actions of groups the user sees (actions of no group: supervisor only)."""
    if access.is_supervisor(user):
        return GatewayAction.objects.all()
    return GatewayAction.objects.filter(group__in=access.visible_groups(user))


def attention_actions(user: Any) -> QuerySet[GatewayAction]:
    """Return the user's visible actions still waiting or failed, newest first."""
    return (
        visible_actions(user)
        .filter(Q(status__in=OPEN_STATUSES) | Q(status__in=FAILED_STATUSES))
        .select_related("group")
        .order_by("-id")
    )


def can_control_group(user: Any, group: Group) -> bool:
    """Whether the user may speak for ``group`` through a bot (群公告、群名片): the managers of its
    unit, the supervisor and the group's own admins, for a QQ group."""
    if group.platform != Platform.QQ:
        return False
    if access.can_manage_unit(user, group.unit):
        return True
    return any(a.role == Role.GROUP_ADMIN and a.group_id == group.pk for a in access.role_assignments(user))


def access_sanction(user: Any, sanction_id: Any) -> Sanction:
    """Return the sanction ``sanction_id`` for the supervisor; raise NotFound for anyone else."""
    if not access.is_supervisor(user):
        raise NotFound
    try:
        return Sanction.objects.get(pk=int(sanction_id))
    except (Sanction.DoesNotExist, ValueError, TypeError):
        raise NotFound from None
