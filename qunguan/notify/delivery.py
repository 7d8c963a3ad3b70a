"""Sending deliveries through their channels, with bounded retries and back-off.

A delivery is claimed before it is tried (its ``next_attempt_at`` is moved forward in one
conditional UPDATE), so the web process, the scheduler and the gateway may all call
``deliver`` / ``deliver_due`` at once without sending anything twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import queue
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

from qunguan.notify.channels import CHANNELS, ChannelUnavailable, DeliveryError, OutgoingMessage
from qunguan.notify.models import OPEN_STATES, Delivery, DeliveryState, Digest, Notification

logger = logging.getLogger(__name__)

# How long a claimed delivery is left alone by other workers while it is being sent.
CLAIM = dt.timedelta(minutes=5)


@dataclass
class Outcome:
    """Counts of what one run of ``deliver`` / ``deliver_due`` did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    waiting: int = 0


def absolute(link: str) -> str:
    """Return ``link`` made absolute with QUNGUAN_BASE_URL when it is a site path."""
    if link.startswith("/") and settings.QUNGUAN_BASE_URL:
        return settings.QUNGUAN_BASE_URL + link
    return link


def message_for_notification(notification: Notification) -> OutgoingMessage:
    return OutgoingMessage(
        subject=notification.subject,
        body=notification.body,
        link=absolute(notification.link),
        severity=notification.severity,
    )


def message_for_digest(digest: Digest) -> OutgoingMessage:
    """Return one message listing the digest's notifications, oldest first."""
    items = list(digest.notifications.order_by("created_at", "id"))
    lines = []
    for number, item in enumerate(items, start=1):
        when = timezone.localtime(item.created_at).strftime("%m-%d %H:%M")
        line = f"{number}. [{item.get_severity_display()}] {when} {item.subject}"
        if item.link:
            line += f"（{absolute(item.link)}）"
        lines.append(line)
    return OutgoingMessage(
        subject=f"通知汇总：{digest.day:%Y-%m-%d} 共 {len(items)} 条",
        body="\n".join(lines),
        link=absolute("/inbox/"),
    )


def backoff(attempts: int) -> dt.timedelta:
    """Return the wait after the ``attempts``-th failure: the base delay doubled each time, ≤ 1 day."""
    seconds = settings.QUNGUAN_NOTIFY_RETRY_SECONDS * 2 ** max(attempts - 1, 0)
    return dt.timedelta(seconds=min(seconds, 86400))


def _claim(delivery: Delivery, now: dt.datetime) -> bool:
    """Return True if this worker now owns ``delivery`` for one attempt."""
    claimed = Delivery.objects.filter(
        pk=delivery.pk, state__in=OPEN_STATES, next_attempt_at=delivery.next_attempt_at
    ).update(next_attempt_at=now + CLAIM)
    return claimed == 1


def attempt(delivery: Delivery, now: dt.datetime | None = None) -> DeliveryState:
    """Try ``delivery`` once (if no other worker holds it) and return its new state."""
    now = now or timezone.now()
    if delivery.state not in OPEN_STATES or not _claim(delivery, now):
        return DeliveryState(delivery.state)
    channel = CHANNELS.get(delivery.channel)
    if delivery.notification_id is not None:
        message = message_for_notification(delivery.notification)  # type: ignore[arg-type]
    else:
        message = message_for_digest(delivery.digest)  # type: ignore[arg-type]
    try:
        if channel is None:
            raise DeliveryError(f"未知的通知渠道“{delivery.channel}”", retryable=False)
        channel.send(delivery.address, message)
    except ChannelUnavailable as exc:
        # Not the recipient's fault and not an attempt: wait for the channel to come up.
        delivery.state = DeliveryState.WAITING_GATEWAY
        delivery.error = str(exc)[:500]
        delivery.next_attempt_at = now
    except DeliveryError as exc:
        delivery.attempts += 1
        delivery.error = exc.message[:500]
        if exc.retryable and delivery.attempts < settings.QUNGUAN_NOTIFY_MAX_ATTEMPTS:
            delivery.state = DeliveryState.RETRYING
            delivery.next_attempt_at = now + backoff(delivery.attempts)
        else:
            delivery.state = DeliveryState.FAILED
            delivery.next_attempt_at = None
            logger.warning(
                "delivery %s via %s failed after %s attempts: %s",
                delivery.pk,
                delivery.channel,
                delivery.attempts,
                exc.message,
            )
    else:
        delivery.attempts += 1
        delivery.state = DeliveryState.SENT
        delivery.error = ""
        delivery.sent_at = now
        delivery.next_attempt_at = None
    delivery.save(update_fields=["state", "attempts", "error", "next_attempt_at", "sent_at"])
    return DeliveryState(delivery.state)


def _count(outcome: Outcome, state: DeliveryState) -> None:
    if state == DeliveryState.SENT:
        outcome.sent += 1
    elif state == DeliveryState.RETRYING:
        outcome.retrying += 1
    elif state == DeliveryState.FAILED:
        outcome.failed += 1
    elif state == DeliveryState.WAITING_GATEWAY:
        outcome.waiting += 1


def deliver(delivery_ids: Iterable[int], now: dt.datetime | None = None) -> Outcome:
    """Try the open deliveries among ``delivery_ids`` once each; return the counts."""
    outcome = Outcome()
    for delivery in Delivery.objects.filter(pk__in=list(delivery_ids), state__in=OPEN_STATES).select_related(
        "notification", "digest"
    ):
        _count(outcome, attempt(delivery, now))
    return outcome


def deliver_due(now: dt.datetime | None = None, *, channel: str | None = None) -> Outcome:
    """Try every open delivery whose time has come (optionally of one channel); return the counts.

    The scheduler calls this every minute; the QQ gateway calls it with ``channel="qq"`` after
    registering its sender, so messages that waited for it go out.
    """
    now = now or timezone.now()
    due = Delivery.objects.filter(state__in=OPEN_STATES, next_attempt_at__lte=now)
    if channel:
        due = due.filter(channel=channel)
    outcome = Outcome()
    for delivery in due.select_related("notification", "digest").order_by("next_attempt_at", "id")[:1000]:
        _count(outcome, attempt(delivery, now))
    return outcome


# --- Sending after commit -------------------------------------------------------------------
# By default the deliveries of a committed do_notify are sent at once in the committing thread.
# A process that must not wait on a slow mail server or robot (the gateway, whose database work
# runs on one worker thread) calls start_background_sender() once: from then on they are handed
# to one daemon thread of that process.

_STOP: list[int] = []
_lock = threading.Lock()
_queue: queue.Queue[list[int]] | None = None
_thread: threading.Thread | None = None


def dispatch(delivery_ids: list[int]) -> None:
    """Send ``delivery_ids`` now, or hand them to the background sender when one runs."""
    with _lock:
        target = _queue
    if target is None:
        deliver(delivery_ids)
    else:
        target.put(list(delivery_ids))


def start_background_sender() -> None:
    """Start this process's background sender thread (idempotent)."""
    global _queue, _thread
    with _lock:
        if _thread is not None and _thread.is_alive():
            return
        _queue = queue.Queue()
        _thread = threading.Thread(target=_run, args=(_queue,), name="qunguan-notify", daemon=True)
        _thread.start()


def stop_background_sender(timeout: float = 10) -> None:
    """Send what is queued, stop the thread and go back to sending in the committing thread."""
    global _queue, _thread
    with _lock:
        target, thread = _queue, _thread
        _queue, _thread = None, None
    if target is not None and thread is not None:
        target.put(_STOP)
        thread.join(timeout)


def _run(work: queue.Queue[list[int]]) -> None:
    while True:
        ids = work.get()
        if ids is _STOP:
            break
        close_old_connections()
        try:
            deliver(ids)
        except Exception:  # a bug must not kill the thread; the rows stay open for deliver_due
            logger.exception("background delivery of %s failed", ids)
    connection.close()
