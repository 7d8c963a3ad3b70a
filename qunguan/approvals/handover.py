"""Ownerless groups (1(2)): whom the roster says has left, the unit's notice, and the pre-filled request.

When the roster marks a group's owner or admin as gone (毕业、调离、退休: ``Person.active`` false)
the registry check ``needs_handover`` flags the group. ``send_handover_notices`` asks the unit
(its liaisons and heads) to start a handover: once per group and departed person, however often
the daily job runs, and not while a handover request is already under way. The notice links to
the new-request page with the handover pre-filled by ``prefill``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.db.models import Q, QuerySet

from qunguan.accounts.models import Role, User
from qunguan.approvals.models import OPEN_STATES, Approval, ApprovalKind
from qunguan.campaigns import notices
from qunguan.registry.models import Group, GroupStatus, Person, Unit


@dataclass(frozen=True)
class Departure:
    """A group's owner or admin whom the roster marks as no longer there."""

    group: Group
    person: Person
    role: str  # "群主" or "管理员"


def departures(group: Group) -> list[Departure]:
    """Return the departed owner and admins of ``group``, owner first, each person once."""
    out = []
    if group.owner is not None and not group.owner.active:
        out.append(Departure(group, group.owner, "群主"))
    # an owner who is also an admin is named once, as the owner
    for person in group.admins.filter(active=False).exclude(pk=group.owner_id or 0).order_by("name", "pk"):
        out.append(Departure(group, person, "管理员"))
    return out


def ownerless_groups(groups: QuerySet[Group] | None = None) -> QuerySet[Group]:
    """Return the groups (not dissolved) whose owner or an admin has left and no handover is under way."""
    qs = groups if groups is not None else Group.objects.all()
    pending = Approval.objects.filter(kind=ApprovalKind.HANDOVER, state__in=OPEN_STATES).values("group")
    return (
        qs.exclude(status=GroupStatus.DISSOLVED)
        .filter(Q(owner__active=False) | Q(admins__active=False))
        .exclude(pk__in=pending)
        .select_related("unit", "owner")
        .distinct()
        .order_by("unit__path", "name", "pk")
    )


def request_link(group: Group) -> str:
    """Return the web path of the pre-filled handover request of ``group`` ("" without the web UI)."""
    path = notices.link("approval_new")
    return f"{path}?{urlencode({'group': group.pk, 'kind': ApprovalKind.HANDOVER.value})}" if path else ""


def prefill(group: Group) -> dict[str, Any]:
    """Return the initial values of a handover request for ``group``.

    The reason names who has left; the admins still there stay admins, the departed ones are
    left out; the new owner is for the unit to choose.
    """
    gone = departures(group)
    who = "、".join(f"{d.role}{d.person.name}" for d in gone)
    reason = (
        f"群组“{group.name}”的{who}已不在校/在岗，申请将群主/管理员转交给本单位在岗人员。"
        if gone
        else f"申请转交群组“{group.name}”的群主/管理员。"
    )
    staying = list(group.admins.filter(active=True).order_by("name", "pk").values_list("pk", flat=True))
    return {"kind": ApprovalKind.HANDOVER.value, "reason": reason, "new_admins": staying}


def unit_contacts(unit: Unit) -> list[User]:
    """Return the unit's liaisons (its own or its nearest ancestor's) and its heads."""
    heads = User.objects.filter(roles__role=Role.UNIT_HEAD, roles__unit=unit, is_active=True).distinct()
    return [*notices.liaisons(unit), *heads.order_by("pk")]


def send_handover_notices(*, today: dt.date | None = None, groups: QuerySet[Group] | None = None) -> int:
    """Ask each ownerless group's unit to start a handover; return how many notices were created.

    One notice per group, departed person and recipient (key ``handover-needed-<group>-<person>``),
    so running it again, or every day, sends nothing twice; a person who leaves later brings a
    new notice. ``today`` only words the notice.
    """
    sent = 0
    for group in ownerless_groups(groups):
        recipients = unit_contacts(group.unit)
        for gone in departures(group):
            subject = f"群组“{group.name}”需要转交群主/管理员"
            body = (
                f"花名册显示群组“{group.name}”（{group.unit.name}）的{gone.role}{gone.person.name}"
                "已不在校/在岗（毕业、调离或退休）。请本单位发起群主/管理员转交审批（第一条第二款），"
                "批准后登记信息随之变更。"
            )
            if today is not None:
                body += f"（{today:%Y-%m-%d} 登记检查发现）"
            sent += len(
                _notify(
                    recipients,
                    subject=subject,
                    body=body,
                    link=request_link(group),
                    key=f"handover-needed-{group.pk}-{gone.person.pk}",
                )
            )
    return sent


def _notify(recipients: list[User], **kw: Any) -> list[Any]:
    from qunguan.notify.actions import do_notify

    return do_notify(recipients, severity="medium", **kw)
