"""Recording approvals on file (审批). The full request workflow builds on these."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from qunguan.approvals.models import Approval, ApprovalKind, ApprovalState
from qunguan.auditlog import log
from qunguan.auditlog.events import AuditEvent
from qunguan.registry.actions import _require_manage
from qunguan.registry.models import Group, Person


@transaction.atomic
def do_record_approval(
    actor: Any,
    group: Group,
    *,
    kind: ApprovalKind | str,
    approved_by: Person | None,
    decided_on: dt.date,
    reason: str = "",
    max_members: int | None = None,
    state: ApprovalState | str = ApprovalState.FILED,
) -> Approval:
    """Put a signed approval (e.g. over-150) on file for ``group`` and return it."""
    _require_manage(actor, group.unit)
    approval = Approval.objects.create(
        kind=ApprovalKind(kind),
        group=group,
        state=ApprovalState(state),
        approved_by=approved_by,
        decided_on=decided_on,
        reason=reason,
        max_members=max_members,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    log.append(
        actor=actor,
        event=AuditEvent.APPROVAL_RECORDED,
        obj=approval,
        unit_path=group.unit.path,
        summary=f"为群组“{group.name}”登记{approval.get_kind_display()}",
        after={
            "kind": approval.kind,
            "group": group.pk,
            "state": approval.state,
            "approved_by": approved_by.pk if approved_by else None,
            "decided_on": decided_on,
            "max_members": max_members,
        },
    )
    return approval
