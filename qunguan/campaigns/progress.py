"""The progress board (填报进度): every visible filing's state, counts and whether it is overdue."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from qunguan.campaigns.models import EDITABLE_STATES, EntryDecision, Filing, FilingState


@dataclass(frozen=True)
class ProgressRow:
    """One unit's line on the board."""

    filing: Filing
    groups: int
    confirmed: int
    corrected: int
    pending: int
    overdue: bool  # not submitted (or returned and not resubmitted) after the deadline
    late: bool  # submitted, but after the deadline

    @property
    def state_label(self) -> str:
        return self.filing.get_state_display()


def progress(filings: QuerySet[Filing], *, today: dt.date | None = None) -> list[ProgressRow]:
    """Return the board rows of ``filings`` in tree order; overdue as of ``today`` (Asia/Shanghai)."""
    today = today or timezone.localdate()
    rows = []
    annotated = (
        filings.select_related("campaign", "unit")
        .annotate(
            n_groups=Count("entries"),
            n_confirmed=Count("entries", filter=Q(entries__decision=EntryDecision.CONFIRMED)),
            n_corrected=Count("entries", filter=Q(entries__decision=EntryDecision.CORRECTED)),
        )
        .order_by("unit__path")
    )
    for filing in annotated:
        deadline = filing.campaign.deadline
        submitted_day = timezone.localdate(filing.submitted_at) if filing.submitted_at else None
        rows.append(
            ProgressRow(
                filing=filing,
                groups=filing.n_groups,
                confirmed=filing.n_confirmed,
                corrected=filing.n_corrected,
                pending=filing.n_groups - filing.n_confirmed - filing.n_corrected,
                overdue=filing.state in EDITABLE_STATES and today > deadline,
                late=filing.state in (FilingState.SUBMITTED, FilingState.ACCEPTED)
                and submitted_day is not None
                and submitted_day > deadline,
            )
        )
    return rows


def counts(rows: list[ProgressRow]) -> dict[str, int]:
    """Return how many filings are in each state, and how many are overdue."""
    out = {state: 0 for state in FilingState.values}
    for row in rows:
        out[row.filing.state] += 1
    out["overdue"] = sum(row.overdue for row in rows)
    return out
