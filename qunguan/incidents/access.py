"""Scoped access to account incidents: the reporter, those who see a flagged group, and 宣传部."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from qunguan.incidents.models import AccountIncident
from qunguan.registry import access
from qunguan.registry.access import NotFound


def visible_incidents(user: Any) -> QuerySet[AccountIncident]:
    """Return the incidents the user reported or that touch a group the user sees."""
    if not getattr(user, "is_authenticated", False):
        return AccountIncident.objects.none()
    if access.is_supervisor(user):
        return AccountIncident.objects.all()
    groups = access.visible_groups(user).values("pk")
    return AccountIncident.objects.filter(Q(reported_by=user) | Q(groups__in=groups)).distinct()


def access_incident(user: Any, incident_id: Any) -> AccountIncident:
    """Return the incident if visible to the user; raise NotFound otherwise."""
    try:
        return visible_incidents(user).get(pk=int(incident_id))
    except (AccountIncident.DoesNotExist, ValueError, TypeError):
        raise NotFound from None


def can_handle(user: Any, incident: AccountIncident) -> bool:
    """Whether the user may move the incident on or close it: 宣传部, or a liaison of a flagged group."""
    if access.is_supervisor(user):
        return True
    return any(access.can_manage_unit(user, g.unit) for g in incident.groups.select_related("unit"))
