"""Two runners at once, in two threads with their own database connections (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import threading
import time
import zoneinfo

from django.db import connection

from qunguan.scheduler.models import JobState
from qunguan.scheduler.runner import Outcome, run_due
from qunguan.scheduler.table import JobTable

NOW = dt.datetime(2026, 3, 9, 8, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))


def test_two_runners_racing_run_a_job_once(transactional_db):
    table = JobTable()
    runs: list[str] = []

    @table.job("slow", every=dt.timedelta(hours=1))
    def slow(now):
        runs.append(threading.current_thread().name)
        time.sleep(0.3)  # long enough for the other runner to try while this one holds the lease
        return "ok"

    run_due(NOW - dt.timedelta(hours=2), jobs=table, only=[])  # create the state row first
    start = threading.Barrier(2)
    outcomes: list[Outcome] = []

    def runner() -> None:
        try:
            start.wait()
            outcomes.extend(run_due(NOW, jobs=table))
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, name=f"runner-{i}") for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(runs) == 1
    assert sorted(o.status for o in outcomes) in (["busy", "ok"], ["ok"])
    assert JobState.objects.get(name="slow").runs == 1
