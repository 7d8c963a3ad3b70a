"""Who hears of a filing's step, and the one call that tells them (through ``qunguan.notify``)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.urls import NoReverseMatch, reverse

from qunguan.accounts.models import Role, User
from qunguan.registry.models import Unit

logger = logging.getLogger(__name__)


def supervisors() -> list[User]:
    """Return the accounts holding the supervisor role (党委宣传部)."""
    return list(User.objects.filter(roles__role=Role.SUPERVISOR, is_active=True).distinct().order_by("pk"))


def liaisons(unit: Unit) -> list[User]:
    """Return the unit managers (联络人) who answer for ``unit``: its own, else its nearest ancestor's."""
    ids = [int(p) for p in unit.path.strip("/").split("/") if p]
    for unit_id in reversed(ids):
        users = list(
            User.objects.filter(roles__role=Role.UNIT_MANAGER, roles__unit_id=unit_id, is_active=True)
            .distinct()
            .order_by("pk")
        )
        if users:
            return users
    return []


def link(name: str, *args: Any) -> str:
    """Return the web path of ``name``, or "" where the web UI is not installed."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def notify(
    recipients: Iterable[Any],
    *,
    subject: str,
    body: str,
    severity: str = "medium",
    link: str = "",
    key: str = "",
) -> None:
    """Tell ``recipients`` through ``qunguan.notify.actions.do_notify`` (in-app, then their channels).

    Runs inside the caller's transaction, so a notice exists exactly when the step it reports
    does. Where the notification app is not installed the notice is only logged.
    """
    people = list(recipients)
    if not people:
        return
    try:
        from qunguan.notify.actions import do_notify
    except ImportError:
        logger.info("通知模块不可用，未发送通知：%s（%d 人）", subject, len(people))
        return
    do_notify(people, subject=subject, body=body, severity=severity, link=link, key=key)
