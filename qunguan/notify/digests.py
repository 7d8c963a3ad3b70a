"""The daily digest (通知汇总): low-severity notices (and medium by default) in one message a day."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from qunguan.notify import prefs
from qunguan.notify.actions import create_deliveries
from qunguan.notify.delivery import deliver
from qunguan.notify.models import Digest, Mode, Notification


@dataclass
class DigestRun:
    """What one ``send_digests`` call did."""

    due: bool
    digests: int = 0
    notifications: int = 0
    sent: int = 0


def digest_due(now: dt.datetime) -> bool:
    """Return True once the local time of ``now`` has reached QUNGUAN_NOTIFY_DIGEST_HOUR."""
    return timezone.localtime(now).hour >= settings.QUNGUAN_NOTIFY_DIGEST_HOUR


def send_digests(now: dt.datetime | None = None, *, force: bool = False) -> DigestRun:
    """Gather each person's waiting digest notices into today's digest and send it.

    Idempotent: a person gets at most one digest per local day (a unique row claims it), and a
    notice joins exactly one digest, so running this twice, or in two processes at once, sends
    nothing twice. Before the digest hour it does nothing unless ``force``. Notices arriving
    after today's digest wait for tomorrow's. Returns the counts.
    """
    now = now or timezone.now()
    if not force and not digest_due(now):
        return DigestRun(due=False)
    day = timezone.localtime(now).date()
    run = DigestRun(due=True)
    waiting = Notification.objects.filter(mode=Mode.DIGEST, digest__isnull=True, created_at__lte=now)
    recipient_ids = sorted(set(waiting.values_list("recipient_id", flat=True)))
    users = get_user_model().objects.in_bulk(recipient_ids)
    delivery_ids: list[int] = []
    for user_id in recipient_ids:
        user = users[user_id]
        try:
            with transaction.atomic():
                digest = Digest.objects.create(recipient=user, day=day)
                claimed = waiting.filter(recipient=user).update(digest=digest)
                if not claimed:
                    # Another run took them between our read and now.
                    transaction.set_rollback(True)
                    continue
                made = create_deliveries(user, prefs.resolve(user), digest=digest)
        except IntegrityError:
            continue  # today's digest for this person exists already
        run.digests += 1
        run.notifications += claimed
        delivery_ids += [d.pk for d in made if d.state == "pending"]
    if delivery_ids:
        run.sent = deliver(delivery_ids, now).sent
    return run
