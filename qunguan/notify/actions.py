"""Notification actions: telling people things, reading the inbox, choosing channels.

``do_notify`` is what the rest of qunguan calls (the gateway on a finding, approvals at each
step, the scheduler's reminders). It stores the notices in the caller's transaction and sends
them after that transaction commits, so a rolled-back change never notifies anyone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from qunguan.auditlog import log
from qunguan.auditlog.events import AuditEvent
from qunguan.notify import prefs
from qunguan.notify.channels import CHANNELS
from qunguan.notify.delivery import dispatch
from qunguan.notify.models import (
    OPEN_STATES,
    Delivery,
    DeliveryState,
    Digest,
    Mode,
    Notification,
    Preference,
    Severity,
)
from qunguan.privacy_at_rest import mask_text
from qunguan.registry.errors import BAD_STATE, INVALID, RegistryError

SEVERITIES = frozenset(Severity.values)


def do_notify(
    recipients: Iterable[Any],
    *,
    subject: str,
    body: str,
    severity: str = "low",
    link: str = "",
    key: str = "",
) -> list[Notification]:
    """Store a notice for each recipient and send it through their channels after commit.

    High severity (and medium for those who ask) goes out at once; the rest waits for the
    daily digest (``digests.send_digests``). With ``key``, a recipient who already has a notice
    with that key gets nothing new, so a job that runs twice notifies once. Returns the
    notifications created now (recipients already notified under ``key`` are left out).
    Raises ``RegistryError`` (code ``invalid``) for an unknown severity or an empty subject.
    """
    if severity not in SEVERITIES:
        raise RegistryError(INVALID, f"未知的紧急程度“{severity}”，可选：low、medium、high", field="severity")
    subject = subject.strip()
    if not subject:
        raise RegistryError(INVALID, "通知标题不能为空", field="subject")
    # A notice leaves the system by mail, WeCom or QQ and quotes what people typed (a join
    # request's 验证信息, a card): ID, phone and bank card numbers go out masked.
    subject, body = mask_text(subject), mask_text(body)
    created: list[Notification] = []
    delivery_ids: list[int] = []
    seen: set[int] = set()
    with transaction.atomic():
        for user in recipients:
            if user is None or user.pk in seen or not user.is_active:
                continue
            seen.add(user.pk)
            if key and Notification.objects.filter(recipient=user, key=key).exists():
                continue
            chosen = prefs.resolve(user)
            mode = chosen.mode_for(severity)
            try:
                with transaction.atomic():  # a concurrent run may have stored the same key
                    notification = Notification.objects.create(
                        recipient=user,
                        subject=subject[:200],
                        body=body,
                        severity=severity,
                        link=link[:500],
                        key=key[:200],
                        mode=mode,
                    )
            except IntegrityError:
                if key:
                    continue
                raise
            created.append(notification)
            if mode == Mode.IMMEDIATE:
                delivery_ids += [
                    d.pk
                    for d in create_deliveries(user, chosen, notification=notification)
                    if d.state != "skipped"
                ]
        if delivery_ids:
            transaction.on_commit(lambda: dispatch(delivery_ids))
    return created


def create_deliveries(
    user: Any, chosen: prefs.Resolved, *, notification: Notification | None = None, digest: Any = None
) -> list[Delivery]:
    """Create one delivery per chosen outgoing channel (the inbox needs none) and return them.

    A channel the server has not configured, or for which the person gave no address, gets a
    delivery in state ``skipped`` with the reason, so the record says why nothing was sent.
    """
    now = timezone.now()
    made = []
    for name in chosen.channels:
        channel = CHANNELS[name]
        if channel.always_on:
            continue
        address = chosen.addresses.get(name, "")
        reason = channel.unconfigured_reason() or ("" if address else f"未设置{channel.label}地址")
        made.append(
            Delivery.objects.create(
                recipient=user,
                channel=name,
                notification=notification,
                digest=digest,
                address=address,
                state=DeliveryState.SKIPPED if reason else DeliveryState.PENDING,
                error=reason,
                next_attempt_at=None if reason else now,
            )
        )
    return made


def do_mark_read(user: Any, notification: Notification) -> Notification:
    """Mark ``user``'s own ``notification`` read (idempotent) and return it."""
    if notification.recipient_id != user.pk:
        raise RegistryError("out_of_scope", "只能标记自己的通知")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def do_mark_all_read(user: Any) -> int:
    """Mark all of ``user``'s unread notifications read; return how many changed."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())


@transaction.atomic
def do_set_preferences(
    actor: Any,
    user: Any,
    *,
    channels: Iterable[str],
    email: str = "",
    wecom_webhook: str = "",
    qq: str = "",
    medium_immediate: bool = False,
) -> Preference:
    """Save ``user``'s notification channels and addresses and return them.

    Only the person themself may change their preferences. Each chosen channel that needs an
    address must have a valid one. Raises ``RegistryError`` (``out_of_scope`` or ``invalid`` with
    the field) otherwise; writes one audit-log entry.
    """
    if getattr(actor, "pk", None) != user.pk:
        raise RegistryError("out_of_scope", "只能修改自己的通知设置")
    wanted = set(channels)
    unknown = wanted - set(CHANNELS)
    if unknown:
        raise RegistryError(INVALID, f"未知的通知渠道：{'、'.join(sorted(unknown))}", field="channels")
    given = {"email": email.strip(), "wecom_webhook": wecom_webhook.strip(), "qq": qq.strip()}
    if not given["email"] and "email" in wanted:
        given["email"] = prefs.default_email(user)
    for name in CHANNELS:
        channel = CHANNELS[name]
        field = channel.address_field
        if field is None:
            continue
        value = given[field]
        if name in wanted and not value:
            raise RegistryError(INVALID, f"选择了“{channel.label}”，但未填写地址", field=field)
        if value:
            try:
                given[field] = channel.validate_address(value)
            except ValueError as exc:
                raise RegistryError(INVALID, str(exc), field=field) from None
    chosen = [name for name in CHANNELS if name in wanted or CHANNELS[name].always_on]
    pref, created = Preference.objects.select_for_update().get_or_create(user=user)
    before = None if created else _pref_fields(pref)
    pref.channels = chosen
    pref.email = given["email"]
    pref.wecom_webhook = given["wecom_webhook"]
    pref.qq = given["qq"]
    pref.medium_immediate = medium_immediate
    pref.save()
    log.append(
        actor=actor,
        event=AuditEvent.NOTIFY_PREFERENCES_CHANGED,
        obj=pref,
        summary=f"修改通知设置：{'、'.join(CHANNELS[name].label for name in chosen)}",
        before=before,
        after=_pref_fields(pref),
    )
    return pref


def do_resend_delivery(actor: Any, delivery: Delivery) -> Delivery:
    """Put a delivery that failed after its retries back in the queue (重新发送) and return it.

    The delivery starts again with fresh attempts (the count and error of the failure stay in the
    audit log) and is sent after commit. Only the supervisor and the liaison of a unit the
    recipient belongs to may (``access.access_failed_delivery``). Raises ``RegistryError``
    (``out_of_scope``; ``bad_state`` when it is no longer failed: sent again by someone else).
    """
    from qunguan.notify.access import visible_failed_deliveries

    if actor is not None and not visible_failed_deliveries(actor).filter(pk=delivery.pk).exists():
        raise RegistryError("out_of_scope", "您无权重新发送这条通知。")
    with transaction.atomic():
        locked = Delivery.objects.select_for_update().select_related("recipient").get(pk=delivery.pk)
        if locked.state != DeliveryState.FAILED:
            raise RegistryError(BAD_STATE, f"这条通知当前为“{locked.get_state_display()}”，无需重新发送。")
        before = {"state": locked.state, "attempts": locked.attempts, "error": locked.error}
        locked.state = DeliveryState.PENDING
        locked.attempts = 0
        locked.error = ""
        locked.next_attempt_at = timezone.now()
        locked.save(update_fields=["state", "attempts", "error", "next_attempt_at"])
        label = CHANNELS[locked.channel].label if locked.channel in CHANNELS else locked.channel
        log.append(
            actor=actor,
            event=AuditEvent.NOTIFY_DELIVERY_RESENT,
            obj=locked,
            summary=f"重新发送给 {locked.recipient.get_username()} 的{label}通知（此前失败 {before['attempts']} 次）",
            before=before,
            after={"state": locked.state, "attempts": 0, "channel": locked.channel},
        )
        pk = locked.pk
        transaction.on_commit(lambda: dispatch([pk]))
    return locked


def do_purge_notifications(now: dt.datetime | None = None) -> dict[str, int]:
    """Delete read notifications and finished deliveries older than the retention (保留期限).

    ``QUNGUAN_NOTIFICATION_RETENTION_DAYS`` (default 365) counts from when each was created. A
    read notification goes with its deliveries unless one of them is still open; unread ones are
    kept whatever their age. Digests left with nothing are deleted too. Returns the counts
    (``notifications``, ``deliveries``, ``digests``); a run that deletes anything writes one
    audit-log entry, so running it again the same day changes nothing and logs nothing.
    """
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.QUNGUAN_NOTIFICATION_RETENTION_DAYS)
    finished = (DeliveryState.SENT, DeliveryState.FAILED, DeliveryState.SKIPPED)
    with transaction.atomic():
        deliveries, _ = Delivery.objects.filter(state__in=finished, created_at__lt=cutoff).delete()
        old_read = Notification.objects.filter(read_at__isnull=False, created_at__lt=cutoff).exclude(
            deliveries__state__in=OPEN_STATES
        )
        _, gone = Notification.objects.filter(pk__in=list(old_read.values_list("pk", flat=True))).delete()
        notifications = gone.get("notify.Notification", 0)
        deliveries += gone.get("notify.Delivery", 0)
        empty = Digest.objects.filter(
            created_at__lt=cutoff, notifications__isnull=True, deliveries__isnull=True
        ).values_list("pk", flat=True)
        digests, _ = Digest.objects.filter(pk__in=list(empty)).delete()
        counts = {"notifications": notifications, "deliveries": deliveries, "digests": digests}
        if any(counts.values()):
            log.append(
                actor=None,
                event=AuditEvent.NOTIFY_PURGED,
                object_type="notify.retention",
                object_id=f"{cutoff:%Y-%m-%d}",
                summary=(
                    f"清除 {cutoff:%Y-%m-%d} 以前的已读通知 {notifications} 条、发送记录 {deliveries} 条、"
                    f"汇总 {digests} 份（保留 {settings.QUNGUAN_NOTIFICATION_RETENTION_DAYS} 天）"
                ),
                after={
                    **counts,
                    "cutoff": cutoff.isoformat(),
                    "days": settings.QUNGUAN_NOTIFICATION_RETENTION_DAYS,
                },
            )
    return counts


def _pref_fields(pref: Preference) -> dict[str, Any]:
    # The webhook URL carries the robot's secret key: the log keeps only whether one is set.
    return {
        "channels": list(pref.channels),
        "email": pref.email,
        "wecom_webhook": "已设置" if pref.wecom_webhook else "",
        "qq": pref.qq,
        "medium_immediate": pref.medium_immediate,
    }
