"""Delivering reviewers' warnings (警告发送者) in QQ groups.

A reviewer's ``chats.sender_warnings.do_warn_sender`` leaves a warning pending; the running
gateway sends each pending warning of a QQ group as a group message mentioning the sender
(``send_group_msg``) through a bot that sits in the group, and reports the outcome with
``do_record_warning_delivery``. A warning of a group no connected bot sits in stays pending.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from qunguan.gateway.models import BotGroup


@dataclass(frozen=True, slots=True)
class WarningToSend:
    warning_id: int
    group_account: str
    params: dict[str, Any]
    bots: tuple[str, ...]  # bots that sit in the group (as the last sync saw them)


def due(skip: set[int], limit: int = 100) -> list[WarningToSend]:
    """Return the pending QQ warnings not in ``skip`` (being sent), with the bots that can send them."""
    from qunguan.chats.sender_warnings import pending_warnings

    out: list[WarningToSend] = []
    for warning in pending_warnings().filter(platform="qq").exclude(pk__in=skip)[:limit]:
        account = warning.group.account if warning.group else warning.finding.message.group_account
        if not account.isdigit():
            continue
        message: list[dict[str, Any]] = []
        if warning.sender_id.isdigit():
            message.append({"type": "at", "data": {"qq": warning.sender_id}})
            message.append({"type": "text", "data": {"text": " "}})
        message.append({"type": "text", "data": {"text": warning.text}})
        bots = tuple(BotGroup.objects.filter(account=account).values_list("self_id", flat=True))
        out.append(WarningToSend(warning.pk, account, {"group_id": int(account), "message": message}, bots))
    return out


def record(warning_id: int, ok: bool, error: str) -> None:
    """Report the outcome of one delivery to the review queue."""
    from qunguan.chats.models import SenderWarning
    from qunguan.chats.sender_warnings import do_record_warning_delivery

    warning = SenderWarning.objects.filter(pk=warning_id).first()
    if warning is not None:
        do_record_warning_delivery(None, warning, ok=ok, error=error)
