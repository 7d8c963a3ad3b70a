"""Notices of the approval workflow and account incidents.

Everything goes through ``qunguan.notify.actions.do_notify`` (in-app inbox, mail, bot), which
stores the notices in the caller's transaction and delivers them after it commits, so a refused
or rolled-back step tells nobody anything. The call is wrapped here, once, so that the workflow
still runs where the notify app is not installed: the notice is then only logged.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

logger = logging.getLogger(__name__)


def send_notice(
    recipients: Iterable[Any],
    *,
    subject: str,
    body: str,
    severity: str = "low",
    link: str = "",
    key: str = "",
) -> None:
    """Notify ``recipients`` (users; None and duplicates dropped). Severity: low, medium or high."""
    users = {u.pk: u for u in recipients if u is not None and getattr(u, "pk", None)}
    if not users:
        return
    try:
        from qunguan.notify.actions import do_notify
    except ImportError:  # a deployment without the notify app
        logger.info("notice: %s → users %s", subject, sorted(users))
        return
    do_notify(list(users.values()), subject=subject, body=body, severity=severity, link=link, key=key)
