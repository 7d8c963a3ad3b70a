"""Scoped access to unregistered groups (未登记群组).

The supervisor sees every one, including those attributed to no unit (seen by the operator's
import, the supervisor's own import or the gateway); unit roles see those attributed to their
subtree. Only the supervisor and the unit managers of the attributed unit may resolve one.
``access_unregistered`` raises the registry's ``NotFound`` for "does not exist" and "not yours".
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from qunguan.accounts.models import UNIT_ROLES
from qunguan.registry.access import Forbidden, NotFound, is_supervisor, role_assignments
from qunguan.unregistered.models import UnregisteredGroup


def visible_unregistered(user: Any) -> QuerySet[UnregisteredGroup]:
    """Return the unregistered groups the user may see."""
    if is_supervisor(user):
        return UnregisteredGroup.objects.all()
    q = Q(pk__in=[])
    for a in role_assignments(user):
        if a.role in UNIT_ROLES and a.unit is not None:
            q |= Q(unit__path__startswith=a.unit.path)
    return UnregisteredGroup.objects.filter(q)


def can_resolve(user: Any, sighting: UnregisteredGroup) -> bool:
    """Whether the user may register the group or mark it as not a work group."""
    from qunguan.registry.access import can_manage_unit

    if is_supervisor(user):
        return True
    return sighting.unit is not None and can_manage_unit(user, sighting.unit)


def access_unregistered(user: Any, sighting_id: Any, *, resolve: bool = False) -> UnregisteredGroup:
    """Return the unregistered group ``sighting_id`` if visible (and resolvable when ``resolve``).

    Raises ``NotFound`` or ``Forbidden``.
    """
    try:
        sighting = visible_unregistered(user).select_related("unit").get(pk=int(sighting_id))
    except (UnregisteredGroup.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFound from None
    if resolve and not can_resolve(user, sighting):
        raise Forbidden
    return sighting
