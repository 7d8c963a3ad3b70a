"""The one way a transport reaches findings (审查发现) for a user, and who may handle them.

Scope follows the groups' scope in ``qunguan.registry.access``: the supervisor sees every
finding, including those on messages of groups nobody registered (an unregistered group is
itself a breach only 党委宣传部 can chase); unit managers, unit heads and reviewers see the
findings of the groups in their unit subtrees; a group admin sees those of their own groups.
``access_finding`` raises the registry's ``NotFound`` both for "does not exist" and "not yours",
so a finding's id tells an outsider nothing.

Who may act (dismiss, confirm, escalate, reopen, reveal a sender):

- the supervisor, everywhere;
- unit managers and reviewers, in their subtrees — DESIGN.md names the reviewer as the one who
  "triages flagged messages", and the unit manager answers for the unit's groups;
- group admins, on their own groups — the regulation's 1(3) makes the admin report serious
  breaches, and DESIGN.md gives them "findings, warnings" of their groups.

Unit heads read only: in DESIGN.md a unit head *signs approvals*; handling messages is the
liaison's and the reviewer's work, and a head who could also decide findings would sign off on
their own triage. For the same reason (and because identity is personal data the head does not
need) a unit head cannot reveal who sent a message.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from qunguan.accounts.models import Role
from qunguan.chats.models import Finding, ImportBatch
from qunguan.registry import access
from qunguan.registry.access import NotFound

# Unit-scoped roles whose holders may handle findings (the unit head is left out on purpose).
ACTING_UNIT_ROLES = frozenset({Role.UNIT_MANAGER, Role.REVIEWER})


def _acting_paths(user: Any) -> list[str]:
    return [
        a.unit.path
        for a in access.role_assignments(user)
        if a.role in ACTING_UNIT_ROLES and a.unit is not None
    ]


def _admin_group_ids(user: Any) -> list[int]:
    return [
        a.group_id
        for a in access.role_assignments(user)
        if a.role == Role.GROUP_ADMIN and a.group_id is not None
    ]


def can_see_findings(user: Any) -> bool:
    """Whether the user has a review queue at all (every role sees the findings of its scope)."""
    return bool(access.role_assignments(user))


def visible_findings(user: Any) -> QuerySet[Finding]:
    """Return the findings the user may see (supervisor: all, also of unregistered groups)."""
    if access.is_supervisor(user):
        return Finding.objects.all()
    # Non-supervisors see findings through the groups they see; findings of unregistered
    # groups (group IS NULL) fall out of this filter, as they must.
    return Finding.objects.filter(group__in=access.visible_groups(user))


def actionable_findings(user: Any) -> QuerySet[Finding]:
    """Return the findings the user may handle (a subset of ``visible_findings``)."""
    if access.is_supervisor(user):
        return Finding.objects.all()
    q = Q(pk__in=[])
    for path in _acting_paths(user):
        q |= Q(group__unit__path__startswith=path)
    group_ids = _admin_group_ids(user)
    if group_ids:
        q |= Q(group_id__in=group_ids)
    return Finding.objects.filter(q)


def can_act_on_findings(user: Any) -> bool:
    """Whether the user may handle findings anywhere (to show bulk actions and buttons at all)."""
    return access.is_supervisor(user) or bool(_acting_paths(user) or _admin_group_ids(user))


def can_act_on_finding(user: Any, finding: Finding) -> bool:
    """Whether the user may dismiss, confirm, escalate or reopen ``finding``."""
    if access.is_supervisor(user):
        return True
    group = finding.group
    if group is None:
        return False
    if group.pk in _admin_group_ids(user):
        return True
    return any(group.unit.path.startswith(p) for p in _acting_paths(user))


def can_reveal_sender(user: Any, finding: Finding) -> bool:
    """Whether the user may reveal the pseudonymised sender of ``finding`` (those who handle it)."""
    return can_act_on_finding(user, finding)


def access_finding(user: Any, finding_id: Any) -> Finding:
    """Return the finding ``finding_id`` if the user may see it; raise ``NotFound`` otherwise."""
    try:
        return (
            visible_findings(user)
            .select_related("message", "group__unit", "handled_by")
            .get(pk=int(finding_id))
        )
    except (Finding.DoesNotExist, ValueError, TypeError):
        raise NotFound from None


__all__ = [
    "NotFound",
    "access_finding",
    "actionable_findings",
    "can_act_on_finding",
    "can_act_on_findings",
    "can_reveal_sender",
    "can_see_findings",
    "visible_findings",
]


def visible_import_batches(user: Any) -> QuerySet[ImportBatch]:
    """Return the chat imports the user may see in the import history.

    The supervisor sees every import; others see the imports they ran and those bound to a
    group they see (an upload or ``qunguan import --group``). An import of a file that names its
    groups itself is bound to none: its messages and findings reach a unit through those groups.
    """
    if access.is_supervisor(user):
        return ImportBatch.objects.all()
    return ImportBatch.objects.filter(Q(started_by=user) | Q(group__in=access.visible_groups(user)))


def can_download_rejects(user: Any, batch: ImportBatch) -> bool:
    """Whether the user may download an import's rejects file: the raw lines may hold personal
    data, so only the one who ran the import and the supervisor may."""
    return access.is_supervisor(user) or (batch.started_by_id is not None and batch.started_by_id == user.pk)
