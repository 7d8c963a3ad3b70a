"""The job table: ``@job(name, every=…)`` or ``@job(name, at="HH:MM")``, and when each is due next.

A job is a function of ``now`` (an aware datetime; tests pass their own clock) returning a
short result for the log, and must be idempotent: running it twice for the same ``now``
changes nothing the second time. Times of day are Beijing time (Asia/Shanghai).
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Callable, Iterator
from dataclasses import dataclass

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
_AT = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")

JobFn = Callable[[dt.datetime], object]


@dataclass(frozen=True)
class Job:
    name: str
    fn: JobFn
    title: str
    every: dt.timedelta | None = None
    at: dt.time | None = None

    @property
    def schedule(self) -> str:
        """Return the schedule in words: "每 1 小时", "每天 06:30"."""
        if self.at is not None:
            return f"每天 {self.at:%H:%M}"
        assert self.every is not None
        seconds = int(self.every.total_seconds())
        if seconds % 3600 == 0:
            return f"每 {seconds // 3600} 小时"
        if seconds % 60 == 0:
            return f"每 {seconds // 60} 分钟"
        return f"每 {seconds} 秒"

    def first_run(self, now: dt.datetime) -> dt.datetime:
        """Return when a job never run before is first due: at once, or at its next time of day."""
        return now if self.at is None else self.next_run(now)

    def next_run(self, now: dt.datetime) -> dt.datetime:
        """Return when the job is next due after running at ``now``."""
        if self.every is not None:
            return now + self.every
        assert self.at is not None
        local = now.astimezone(SHANGHAI)
        candidate = dt.datetime.combine(local.date(), self.at, tzinfo=SHANGHAI)
        if candidate <= local:
            candidate = dt.datetime.combine(local.date() + dt.timedelta(days=1), self.at, tzinfo=SHANGHAI)
        return candidate


class JobTable:
    """A set of jobs by name; ``JOBS`` is the product's, tests build their own."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}

    def job(
        self, name: str, *, every: dt.timedelta | None = None, at: str | None = None, title: str = ""
    ) -> Callable[[JobFn], JobFn]:
        """Register the decorated function as job ``name``, run ``every`` interval or daily ``at`` "HH:MM".

        Raises ValueError for a duplicate name, for both or neither of ``every``/``at``, or a bad time.
        """
        if (every is None) == (at is None):
            raise ValueError(f"job {name!r}: give exactly one of every= or at=")
        when: dt.time | None = None
        if at is not None:
            match = _AT.match(at)
            if match is None:
                raise ValueError(f"job {name!r}: at={at!r} is not a time of day HH:MM")
            when = dt.time(int(match[1]), int(match[2]))
        if every is not None and every <= dt.timedelta(0):
            raise ValueError(f"job {name!r}: every= must be positive")

        def register(fn: JobFn) -> JobFn:
            if name in self._jobs:
                raise ValueError(f"job {name!r} is registered twice")
            self._jobs[name] = Job(name=name, fn=fn, title=title or name, every=every, at=when)
            return fn

        return register

    def __iter__(self) -> Iterator[Job]:
        return iter(self._jobs.values())

    def __contains__(self, name: object) -> bool:
        return name in self._jobs

    def __getitem__(self, name: str) -> Job:
        return self._jobs[name]

    def names(self) -> list[str]:
        return list(self._jobs)


JOBS = JobTable()
job = JOBS.job
