"""Warning the sender of a finding (警告发送者), and what the bot gateway needs to deliver it.

``do_warn_sender`` records the warning against the finding and the sender (so the warnings of
one person can be counted per period) and leaves it **pending** (待发送): the bot gateway picks
the pending ones up (``pending_warnings``), sends them to the person in the group's platform and
reports back with ``do_record_warning_delivery`` (已发送 / 发送失败). A warning confirms an
open finding: nobody is warned for something the school does not hold against them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Max, QuerySet
from django.utils import timezone

from qunguan.audit.labels import category_label
from qunguan.auditlog import log
from qunguan.auditlog.events import AuditEvent
from qunguan.chats import review
from qunguan.chats.models import ChatMessage, Finding, FindingStatus, SenderWarning, WarningStatus
from qunguan.chats.privacy import pseudonym
from qunguan.registry import access as registry_access
from qunguan.registry.errors import OUT_OF_SCOPE, RegistryError

TEXT_MAX_CHARS = 500
WARNABLE = frozenset({FindingStatus.OPEN, FindingStatus.CONFIRMED, FindingStatus.ESCALATED})


def default_text(finding: Finding) -> str:
    """Return the message the sender gets unless the handler writes one."""
    where = finding.group.name if finding.group else (finding.message.group_name or "本群")
    return (
        f"【群管提醒】您在“{where}”发布的消息涉及“{category_label(finding.category)}”，"
        "不符合学校工作群组管理规定，请注意规范发言。"
    )


def do_warn_sender(user: Any, finding: Finding, *, text: str = "") -> SenderWarning:
    """Record a pending warning to ``finding``'s sender and return it; confirm an open finding.

    Raises ``RegistryError`` (``out_of_scope``, ``finding_read_only``, ``finding_wrong_state``
    for a dismissed finding, ``invalid`` for a text over 500 characters).
    """
    text = (text or "").strip() or default_text(finding)
    if len(text) > TEXT_MAX_CHARS:
        raise RegistryError("invalid", f"警告内容不能超过 {TEXT_MAX_CHARS} 个字。", field="text")
    with transaction.atomic():
        locked = review._locked([finding])
        if not locked:
            raise RegistryError(OUT_OF_SCOPE, "该审查发现不存在或不在您的管理范围内。")
        current = locked[0]
        review._check_may_act(user, current)
        if current.status not in WARNABLE:
            raise RegistryError(
                review.WRONG_STATE, f"该审查发现当前为“{current.get_status_display()}”，不能警告发送者。"
            )
        before = {"status": current.status}
        if current.status == FindingStatus.OPEN:
            current.status = FindingStatus.CONFIRMED
            current.handled_by = user if getattr(user, "pk", None) else None
            current.handled_at = timezone.now()
            current.save(update_fields=["status", "handled_by", "handled_at"])
        message = current.message
        warning = SenderWarning.objects.create(
            finding=current,
            group=current.group,
            platform=message.platform,
            sender_id=message.sender_id,
            sender_name=message.sender_name,
            text=text,
            created_by=user if getattr(user, "pk", None) else None,
        )
        # Logged against the finding, so its history shows the warning beside the decisions.
        log.append(
            actor=user,
            event=AuditEvent.SENDER_WARNED,
            obj=current,
            unit_path=current.group.unit.path if current.group else "",
            summary=f"就审查发现 #{current.pk} 警告发送者 {pseudonym(message)}（待发送，警告 #{warning.pk}）",
            before=before,
            after={"status": current.status, "warning": warning.pk, "delivery": warning.status},
        )
    finding.status = current.status
    return warning


def pending_warnings() -> QuerySet[SenderWarning]:
    """Return the warnings waiting for the gateway, oldest first."""
    return (
        SenderWarning.objects.filter(status=WarningStatus.PENDING)
        .select_related("group", "finding")
        .order_by("created_at", "pk")
    )


def do_record_warning_delivery(
    actor: Any, warning: SenderWarning, *, ok: bool, error: str = ""
) -> SenderWarning:
    """Record what the gateway reports for ``warning`` (已发送, or 发送失败 with the reason)."""
    with transaction.atomic():
        warning = (
            SenderWarning.objects.select_for_update(of=("self",))
            .select_related("group__unit")
            .get(pk=warning.pk)
        )
        before = {"status": warning.status}
        warning.status = WarningStatus.SENT if ok else WarningStatus.FAILED
        warning.delivered_at = timezone.now() if ok else None
        warning.delivery_error = "" if ok else (error or "未知原因")[:300]
        warning.save(update_fields=["status", "delivered_at", "delivery_error"])
        log.append(
            actor=actor,
            event=AuditEvent.WARNING_DELIVERED,
            obj=warning,
            unit_path=warning.group.unit.path if warning.group else "",
            summary=(
                f"警告 #{warning.pk} 已发送"
                if ok
                else f"警告 #{warning.pk} 发送失败：{warning.delivery_error}"
            ),
            before=before,
            after={"status": warning.status},
        )
    return warning


def visible_warnings(user: Any) -> QuerySet[SenderWarning]:
    """Return the warnings of the findings the user may see."""
    if registry_access.is_supervisor(user):
        return SenderWarning.objects.all()
    return SenderWarning.objects.filter(group__in=registry_access.visible_groups(user))


@dataclass(frozen=True)
class SenderWarningCount:
    """How often one sender was warned in a period (senders shown by pseudonym)."""

    pseudonym: str
    platform: str
    count: int
    last: dt.datetime


def warning_counts(
    user: Any, since: dt.datetime, until: dt.datetime | None = None
) -> list[SenderWarningCount]:
    """Return the warnings per sender from ``since`` (to ``until``), most warned first."""
    qs = visible_warnings(user).filter(created_at__gte=since)
    if until is not None:
        qs = qs.filter(created_at__lt=until)
    rows = qs.values("platform", "sender_id", "sender_name").annotate(n=Count("pk"), last=Max("created_at"))
    out = [
        SenderWarningCount(
            pseudonym=pseudonym(
                ChatMessage(platform=r["platform"], sender_id=r["sender_id"], sender_name=r["sender_name"])
            ),
            platform=r["platform"],
            count=r["n"],
            last=r["last"],
        )
        for r in rows
    ]
    return sorted(out, key=lambda c: (-c.count, c.pseudonym))


def warnings_of_sender(user: Any, message: ChatMessage, since: dt.datetime | None = None) -> int:
    """Return how many warnings ``message``'s sender has had (in the user's scope, from ``since``)."""
    qs = visible_warnings(user).filter(platform=message.platform)
    qs = (
        qs.filter(sender_id=message.sender_id)
        if message.sender_id
        else qs.filter(sender_id="", sender_name=message.sender_name)
    )
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    return qs.count()


__all__ = [
    "SenderWarningCount",
    "default_text",
    "do_record_warning_delivery",
    "do_warn_sender",
    "pending_warnings",
    "visible_warnings",
    "warning_counts",
    "warnings_of_sender",
]
