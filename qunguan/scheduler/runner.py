"""Running due jobs: take each one's lease, run it, record the outcome, give the lease back.

``run_due(now)`` is one tick. Two ticks racing (two cron runs, a cron run beside the loop,
two servers on one database) each try the same conditional UPDATE on the job's row; the
database lets exactly one of them match, so a job never runs twice at once. A job that
raises stays due and is retried on the next tick; a runner that dies mid-job leaves its
lease, and the job is run again once the lease (``QUNGUAN_SCHEDULER_LEASE_SECONDS``) expires.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import traceback
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from qunguan.scheduler.actions import do_record_job_failure
from qunguan.scheduler.models import JobState, JobStatus
from qunguan.scheduler.table import JOBS, Job, JobTable

logger = logging.getLogger(__name__)


class Skip(Exception):
    """Raised by a job that had nothing it could do (e.g. an optional module is not installed)."""


@dataclass(frozen=True)
class Outcome:
    """What one tick did with one job."""

    name: str
    status: str  # "ok", "skipped", "failed", or "busy" (another runner holds the lease)
    result: str = ""


def runner_id() -> str:
    """Return a name for this runner that no other process shares (host, pid, random)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def ensure_states(now: dt.datetime, jobs: JobTable = JOBS) -> None:
    """Create the state row of every job that has none (first due: at once, or its next time of day)."""
    known = set(JobState.objects.filter(name__in=jobs.names()).values_list("name", flat=True))
    for job in jobs:
        if job.name not in known:
            JobState.objects.get_or_create(name=job.name, defaults={"next_run_at": job.first_run(now)})


def _take_lease(job: Job, now: dt.datetime, owner: str) -> bool:
    lease = dt.timedelta(seconds=settings.QUNGUAN_SCHEDULER_LEASE_SECONDS)
    taken = (
        JobState.objects.filter(name=job.name, next_run_at__lte=now)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lte=now))
        .update(lease_owner=owner, lease_until=now + lease, last_started_at=now)
    )
    return taken == 1


def _finish(job: Job, now: dt.datetime, owner: str, status: str, result: str) -> None:
    JobState.objects.filter(name=job.name, lease_owner=owner).update(
        lease_owner="",
        lease_until=None,
        next_run_at=job.next_run(now),
        last_finished_at=now,
        last_status=status,
        last_result=result[:300],
        last_error="",
        runs=F("runs") + 1,
        failures=0,
    )


def run_job(job: Job, now: dt.datetime, owner: str) -> Outcome:
    """Run ``job`` if due and free; return what happened. Never raises for the job's own errors."""
    if not _take_lease(job, now, owner):
        return Outcome(job.name, "busy")
    try:
        result = job.fn(now)
    except Skip as note:
        logger.info("定时任务 %s 已跳过：%s", job.name, note)
        _finish(job, now, owner, JobStatus.SKIPPED, str(note))
        return Outcome(job.name, "skipped", str(note))
    except Exception:
        error = traceback.format_exc()
        logger.exception("定时任务 %s 运行失败，下次检查时重试", job.name)
        do_record_job_failure(job.name, error=error, now=now, owner=owner)
        return Outcome(job.name, "failed", error.strip().splitlines()[-1])
    text = "" if result is None else str(result)
    _finish(job, now, owner, JobStatus.OK, text)
    return Outcome(job.name, "ok", text)


def run_due(
    now: dt.datetime | None = None,
    *,
    jobs: JobTable = JOBS,
    owner: str | None = None,
    only: list[str] | None = None,
) -> list[Outcome]:
    """Run every due job of ``jobs`` (or those named in ``only``) once; return the outcomes.

    ``now`` is the clock (default: the real time), so tests move time by passing it. Jobs not
    due, or whose lease another runner holds, are left out of the outcomes or reported "busy".
    """
    now = now or timezone.now()
    owner = owner or runner_id()
    ensure_states(now, jobs)
    due = set(
        JobState.objects.filter(name__in=jobs.names(), next_run_at__lte=now).values_list("name", flat=True)
    )
    outcomes = []
    for job in jobs:
        if job.name in due and (only is None or job.name in only):
            outcomes.append(run_job(job, now, owner))
    return outcomes
