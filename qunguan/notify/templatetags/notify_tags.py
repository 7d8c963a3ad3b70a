"""``{% unread_notifications as n %}``: the top bar's unread count (站内信未读数)."""

from __future__ import annotations

from typing import Any

from django import template

from qunguan.notify.access import unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context: dict[str, Any]) -> int:
    """Return the number of the current user's unread notifications (0 when logged out)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return unread_count(user) if user is not None else 0
