"""Reporting and handling account incidents (账号事件, 3(6)); each step one audit entry."""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from qunguan.accounts.models import Role, RoleAssignment, User
from qunguan.approvals.notices import send_notice
from qunguan.auditlog import log
from qunguan.auditlog.events import AuditEvent
from qunguan.incidents.access import can_handle
from qunguan.incidents.facts import groups_with_account
from qunguan.incidents.models import AccountIncident, IncidentKind, IncidentPlatform, IncidentState
from qunguan.registry import errors
from qunguan.registry.errors import RegistryError
from qunguan.registry.models import Group

ACCOUNT_PATTERNS = {
    IncidentPlatform.QQ: (re.compile(r"[1-9][0-9]{4,11}"), "QQ号须为 5–12 位数字。"),
    IncidentPlatform.WECHAT: (
        re.compile(r"[A-Za-z0-9_-]{5,64}|wxid_[A-Za-z0-9_-]+"),
        "微信号须为 5–64 位字母、数字、下划线或减号。",
    ),
}


def _recipients(groups: list[Group]) -> list[User]:
    """The admins of the groups (group-admin role), their units' liaisons and 宣传部."""
    ids = set(
        RoleAssignment.objects.filter(role=Role.GROUP_ADMIN, group__in=groups).values_list("user", flat=True)
    )
    paths = {g.unit.path[: i + 1] for g in groups for i, c in enumerate(g.unit.path) if c == "/" and i > 0}
    ids |= set(
        RoleAssignment.objects.filter(role=Role.UNIT_MANAGER, unit__path__in=paths).values_list(
            "user", flat=True
        )
    )
    ids |= set(RoleAssignment.objects.filter(role=Role.SUPERVISOR).values_list("user", flat=True))
    return list(User.objects.filter(pk__in=ids, is_active=True))


@transaction.atomic
def do_report_incident(
    actor: Any, *, platform: str, account: str, kind: str, description: str = ""
) -> AccountIncident:
    """Report a lost, stolen or lent account; flag it in every group it is in; return the incident.

    Anyone logged in may report. Raises RegistryError (``invalid``) for a bad platform, kind or account.
    """
    if platform not in IncidentPlatform.values:
        raise RegistryError(errors.INVALID, "平台须为 QQ 或微信。", field="platform")
    if kind not in IncidentKind.values:
        raise RegistryError(errors.INVALID, "情况须为密码遗失、账号被盗或账号出借。", field="kind")
    account = account.strip()
    pattern, message = ACCOUNT_PATTERNS[IncidentPlatform(platform)]
    if not pattern.fullmatch(account):
        raise RegistryError(errors.INVALID, message, field="account")
    incident = AccountIncident.objects.create(
        platform=platform,
        account=account,
        kind=kind,
        description=description.strip()[:2000],
        reported_by=actor if getattr(actor, "pk", None) else None,
    )
    groups = groups_with_account(platform, account)
    incident.groups.set(groups)
    log.append(
        actor=actor,
        event=AuditEvent.ACCOUNT_INCIDENT_REPORTED,
        obj=incident,
        summary=f"报告账号事件：{incident}，涉及 {len(groups)} 个群组",
        after={
            "platform": platform,
            "account": account,
            "kind": kind,
            "groups": [g.pk for g in groups],
        },
    )
    send_notice(
        _recipients(groups),
        subject=f"账号事件：{incident}",
        body=(
            f"{incident.get_platform_display()}账号 {account} 报告{incident.get_kind_display()}，"
            f"涉及 {len(groups)} 个群组。请提醒群成员警惕以该账号名义发出的消息，必要时将其移出群组。"
        ),
        severity="high",
        link=reverse("incident_detail", args=[incident.pk]),
        key=f"incident:{incident.pk}:reported",
    )
    return incident


@transaction.atomic
def do_set_incident_state(
    actor: Any, incident: AccountIncident, *, state: str, resolution: str = ""
) -> AccountIncident:
    """Move the incident to 处理中 or close it (with what was done); return it."""
    if actor is not None and not can_handle(actor, incident):
        raise RegistryError(errors.OUT_OF_SCOPE, "只有党委宣传部或涉及群组所在单位的联络人可以处理该事件。")
    if state not in IncidentState.values:
        raise RegistryError(errors.INVALID, "状态须为待处理、处理中或已关闭。", field="state")
    if incident.state == IncidentState.CLOSED:
        raise RegistryError(errors.BAD_STATE, "该事件已关闭。", field="state")
    if state == IncidentState.CLOSED and not resolution.strip():
        raise RegistryError(errors.INVALID, "关闭事件须填写处理结果。", field="resolution")
    before = {"state": incident.state, "resolution": incident.resolution}
    incident.state = state
    if resolution.strip():
        incident.resolution = resolution.strip()[:2000]
    if state == IncidentState.CLOSED:
        incident.closed_at = timezone.now()
        incident.closed_by = actor if getattr(actor, "pk", None) else None
    incident.save()
    closed = state == IncidentState.CLOSED
    log.append(
        actor=actor,
        event=AuditEvent.ACCOUNT_INCIDENT_CLOSED if closed else AuditEvent.ACCOUNT_INCIDENT_CHANGED,
        obj=incident,
        summary=f"账号事件 {incident}：{incident.get_state_display()}",
        before=before,
        after={"state": incident.state, "resolution": incident.resolution},
    )
    if closed and incident.reported_by is not None:
        send_notice(
            [incident.reported_by],
            subject=f"账号事件已关闭：{incident}",
            body=f"处理结果：{incident.resolution}",
            link=reverse("incident_detail", args=[incident.pk]),
            key=f"incident:{incident.pk}:closed",
        )
    return incident
