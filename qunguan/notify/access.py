"""The one way a transport fetches notifications: a person sees only their own.

Failed deliveries (发送失败) are the exception: 宣传部 and a unit's liaison look after those of
the people of their units, to fix an address and send again.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from qunguan.accounts.models import Role, RoleAssignment
from qunguan.notify.models import Delivery, DeliveryState, Notification
from qunguan.registry import access
from qunguan.registry.access import NotFound


def visible_notifications(user: Any) -> QuerySet[Notification]:
    """Return ``user``'s own notifications, newest first (nobody reads another's inbox)."""
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user)


def access_notification(user: Any, notification_id: int) -> Notification:
    """Return the notification if it is ``user``'s; raise ``NotFound`` otherwise (also when missing)."""
    found = visible_notifications(user).filter(pk=notification_id).first()
    if found is None:
        raise NotFound(f"notification {notification_id}")
    return found


def unread_count(user: Any) -> int:
    """Return how many of ``user``'s notifications are unread."""
    return visible_notifications(user).filter(read_at__isnull=True).count()


def _people_of_units_q(user: Any) -> Q:
    """Q over deliveries whose recipient belongs to a unit ``user`` manages: their roster person
    is in it, or they hold a role on it or on one of its groups."""
    paths = list(access.managed_units(user).values_list("path", flat=True))
    if not paths:
        return Q(pk__in=[])
    in_units = Q()
    for path in paths:
        in_units |= Q(unit__path__startswith=path) | Q(group__unit__path__startswith=path)
    holders = RoleAssignment.objects.filter(in_units).values("user_id")
    person_q = Q()
    for path in paths:
        person_q |= Q(recipient__person__unit__path__startswith=path)
    return person_q | Q(recipient_id__in=holders)


def visible_failed_deliveries(user: Any) -> QuerySet[Delivery]:
    """Return the deliveries that failed after their retries which ``user`` may look after, newest
    first: the supervisor sees all; a unit manager (联络人) those to the people of their units;
    anyone else none."""
    failed = Delivery.objects.filter(state=DeliveryState.FAILED).select_related(
        "recipient", "notification", "digest"
    )
    if not getattr(user, "is_authenticated", False):
        return failed.none()
    if not access.is_supervisor(user):
        failed = failed.filter(_people_of_units_q(user))
    return failed.order_by("-created_at", "-id")


def may_see_failed_deliveries(user: Any) -> bool:
    """Whether ``user`` gets the failed-deliveries page at all: the supervisor and unit managers."""
    return access.is_supervisor(user) or Role.UNIT_MANAGER in access.roles_of(user)


def access_failed_delivery(user: Any, delivery_id: Any) -> Delivery:
    """Return the failed delivery ``delivery_id`` if ``user`` may look after it; raise ``NotFound``
    otherwise (also when it is missing or no longer failed)."""
    try:
        pk = int(delivery_id)
    except (TypeError, ValueError):
        raise NotFound(f"delivery {delivery_id}") from None
    found = visible_failed_deliveries(user).filter(pk=pk).first()
    if found is None:
        raise NotFound(f"delivery {delivery_id}")
    return found
