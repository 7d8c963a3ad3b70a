"""Deadline reminders of the filing campaign: a week before, the day before, and once overdue."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from qunguan.auditlog import log
from qunguan.auditlog.events import AuditEvent
from qunguan.campaigns import notices
from qunguan.campaigns.models import EDITABLE_STATES, Campaign, FilingReminder, ReminderKind

# How urgent each reminder is (qunguan.notify severities): high goes out at once.
REMINDER_SEVERITY = {
    ReminderKind.WEEK_BEFORE: "medium",
    ReminderKind.DAY_BEFORE: "high",
    ReminderKind.OVERDUE: "high",
}


def reminder_due(deadline: dt.date, today: dt.date) -> ReminderKind | None:
    """Return the reminder a not-yet-submitted filing is due on ``today``, if any.

    A week before (7 to 2 days left), the day before (1 or 0 days left), overdue (after the deadline).
    """
    left = (deadline - today).days
    if left < 0:
        return ReminderKind.OVERDUE
    if left <= 1:
        return ReminderKind.DAY_BEFORE
    if left <= 7:
        return ReminderKind.WEEK_BEFORE
    return None


@transaction.atomic
def do_send_deadline_reminders(actor: Any = None, *, now: dt.datetime | None = None) -> int:
    """Remind the liaisons of every filing not yet submitted of its deadline; return how many were sent.

    Each filing gets each kind of reminder once (``FilingReminder``), so running this twice on
    a day sends nothing the second time. One ``FILING_REMINDERS_SENT`` entry when any was sent.
    """
    at = now or timezone.now()
    today = timezone.localdate(at)
    sent: list[dict[str, Any]] = []
    campaigns: set[int] = set()
    for campaign in Campaign.objects.filter(closed_at__isnull=True):
        kind = reminder_due(campaign.deadline, today)
        if kind is None:
            continue
        done = set(
            FilingReminder.objects.filter(filing__campaign=campaign, kind=kind).values_list(
                "filing_id", flat=True
            )
        )
        filings = (
            campaign.filings.filter(state__in=EDITABLE_STATES).exclude(pk__in=done).select_related("unit")
        )
        for filing in filings:
            FilingReminder.objects.create(filing=filing, kind=kind, sent_at=at)
            left = (campaign.deadline - today).days
            when = f"{campaign.deadline.month}月{campaign.deadline.day}日"
            body = (
                f"{filing.unit.name}的{campaign.year}年度群组备案填报已于 {when} 截止，尚未提交，请尽快提交。"
                if kind == ReminderKind.OVERDUE
                else f"{filing.unit.name}的{campaign.year}年度群组备案填报将于 {when} 截止（还有 {left} 天），请及时提交。"
            )
            notices.notify(
                notices.liaisons(filing.unit),
                subject=f"{campaign.year}年度群组备案填报{kind.label}",
                body=body,
                severity=REMINDER_SEVERITY[kind],
                link=notices.link("campaign_filing", filing.pk),
                # the date is in the key: a moved deadline gets its own reminders
                key=f"filing-{filing.pk}-{kind.value}-{campaign.deadline.isoformat()}",
            )
            sent.append({"filing": filing.pk, "unit": filing.unit_id, "kind": kind.value})
            campaigns.add(campaign.pk)
    if sent:
        log.append(
            actor=actor,
            event=AuditEvent.FILING_REMINDERS_SENT,
            object_type="campaign",
            object_id=",".join(str(pk) for pk in sorted(campaigns)),
            summary=f"发送年度填报截止提醒 {len(sent)} 条",
            after={"reminders": sent, "today": today},
        )
    return len(sent)
