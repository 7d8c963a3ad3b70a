"""The one way a transport reaches approval requests for a user, and who may do what to them.

A request is visible to whoever sees its group, and to the head chosen to sign it. ``access_*``
raise the registry's ``NotFound`` for "does not exist" and "not yours" alike.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from qunguan.accounts.models import Role, RoleAssignment, User
from qunguan.approvals.models import Approval, ApprovalAttachment, ApprovalState
from qunguan.registry import access
from qunguan.registry.access import NotFound
from qunguan.registry.models import Group, Unit


def visible_approvals(user: Any) -> QuerySet[Approval]:
    """Return the requests the user may see: those of their groups, and those they are to sign."""
    if not getattr(user, "is_authenticated", False):
        return Approval.objects.none()
    if access.is_supervisor(user):
        return Approval.objects.all()
    groups = access.visible_groups(user).values("pk")
    return Approval.objects.filter(Q(group__in=groups) | Q(approver=user))


def access_approval(user: Any, approval_id: Any) -> Approval:
    """Return the request ``approval_id`` if the user may see it; raise NotFound otherwise."""
    try:
        return (
            visible_approvals(user)
            .select_related(
                "group", "group__unit", "approver", "created_by", "new_owner", "supervising_person"
            )
            .get(pk=int(approval_id))
        )
    except (Approval.DoesNotExist, ValueError, TypeError):
        raise NotFound from None


def access_attachment(user: Any, approval_id: Any, attachment_id: Any) -> ApprovalAttachment:
    """Return an attachment of a request the user may see; raise NotFound otherwise."""
    approval = access_approval(user, approval_id)
    try:
        return approval.attachments.get(pk=int(attachment_id))
    except (ApprovalAttachment.DoesNotExist, ValueError, TypeError):
        raise NotFound from None


def eligible_approvers(unit: Unit) -> QuerySet[User]:
    """Return the unit heads (负责人) who may sign for ``unit``: heads of it or of a unit above it."""
    ancestor_paths = [unit.path[: i + 1] for i, ch in enumerate(unit.path) if ch == "/" and i > 0]
    ids = RoleAssignment.objects.filter(role=Role.UNIT_HEAD, unit__path__in=ancestor_paths).values("user")
    return User.objects.filter(pk__in=ids, is_active=True).order_by("display_name", "username")


def nearest_approver(unit: Unit) -> User | None:
    """Return the head of the nearest unit at or above ``unit`` (the directly managing unit), if any."""
    best: tuple[int, User] | None = None
    for ra in RoleAssignment.objects.filter(role=Role.UNIT_HEAD, user__is_active=True).select_related(
        "unit", "user"
    ):
        if ra.unit is not None and unit.path.startswith(ra.unit.path):
            depth = ra.unit.path.count("/")
            if best is None or depth > best[0]:
                best = (depth, ra.user)
    return best[1] if best else None


def can_request(user: Any, group: Group) -> bool:
    """Whether the user drafts and submits requests for the group (its unit's liaison, or 宣传部)."""
    return access.can_manage_unit(user, group.unit)


def can_decide(user: Any, approval: Approval) -> bool:
    """Whether the user is the head chosen to approve or reject the request."""
    return bool(getattr(user, "pk", None)) and approval.approver_id == user.pk


def can_file(user: Any) -> bool:
    """Whether the user files approved requests (备案): the Propaganda Department."""
    return access.is_supervisor(user)


def allowed_steps(user: Any, approval: Approval) -> set[str]:
    """Return the steps the user may take on the request now (the buttons to show)."""
    steps: set[str] = {"comment"}
    requester = can_request(user, approval.group)
    if requester and approval.state in (ApprovalState.DRAFT, ApprovalState.REJECTED):
        steps |= {"edit", "submit"}
    if approval.state != ApprovalState.FILED and (requester or can_decide(user, approval) or can_file(user)):
        steps.add("attach")
    if approval.state == ApprovalState.SUBMITTED and can_decide(user, approval):
        steps |= {"approve", "reject"}
    if approval.state == ApprovalState.APPROVED and can_file(user):
        steps.add("file")
    return steps
