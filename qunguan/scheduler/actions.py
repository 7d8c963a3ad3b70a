"""The scheduler's changes of state that belong in the audit log: a failed job, the daily checks summary."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from typing import Any

from django.db import transaction

from qunguan.auditlog import log
from qunguan.auditlog.events import AuditEvent
from qunguan.scheduler.models import CheckSummary, JobState


@transaction.atomic
def do_record_job_failure(name: str, *, error: str, now: dt.datetime, owner: str) -> None:
    """Record that job ``name`` raised: free its lease, keep it due (retried next tick), log it.

    Only the lease holder ``owner`` writes; a runner whose lease was taken over leaves it be.
    """
    state = JobState.objects.select_for_update().get(name=name)
    if state.lease_owner != owner:
        return
    state.lease_owner = ""
    state.lease_until = None
    state.last_finished_at = now
    state.last_status = "failed"
    state.last_error = error[-4000:]
    state.failures += 1
    state.save()
    log.append(
        actor=None,
        event=AuditEvent.SCHEDULER_JOB_FAILED,
        object_type="job",
        object_id=name,
        summary=f"定时任务“{name}”运行失败（连续第 {state.failures} 次），下次检查时重试",
        after={
            "error": error.strip().splitlines()[-1][:300] if error.strip() else "",
            "failures": state.failures,
        },
    )


@transaction.atomic
def do_record_check_summary(
    *, day: dt.date, groups: int, kinds: Iterable[str], now: dt.datetime, actor: Any = None
) -> CheckSummary:
    """Store the registry checks' summary of ``day`` (one row a day); log it when new or changed."""
    by_kind = dict(sorted(Counter(kinds).items()))
    total = sum(by_kind.values())
    summary, created = CheckSummary.objects.get_or_create(
        day=day, defaults={"groups": groups, "total": total, "by_kind": by_kind, "recorded_at": now}
    )
    before = {"groups": summary.groups, "total": summary.total, "by_kind": summary.by_kind}
    after = {"groups": groups, "total": total, "by_kind": by_kind}
    if not created and before == after:
        return summary
    if not created:
        summary.groups, summary.total, summary.by_kind, summary.recorded_at = groups, total, by_kind, now
        summary.save()
    log.append(
        actor=actor,
        event=AuditEvent.SCHEDULER_CHECKS_SUMMARIZED,
        obj=summary,
        summary=f"{day:%Y-%m-%d} 登记检查：{groups} 个群组，{total} 个问题",
        before=None if created else before,
        after=after,
    )
    return summary
