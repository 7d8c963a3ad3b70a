"""The one way a transport fetches notifications: a person sees only their own."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from qunguan.notify.models import Notification
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
