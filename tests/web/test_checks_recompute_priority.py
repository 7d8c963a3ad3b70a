"""The scheduler recomputes the shared check result at a lower CPU priority than the pages.

In a large school the ``checks_cache`` job takes seconds of a core once a minute, on the cores the
web workers serve pages from; a page waiting for a core goes first (``breaches.RECOMPUTE_NICE``).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import threading
import zoneinfo
from typing import Any

import pytest
from django.utils import timezone

from qunguan.registry.checks import run_checks
from qunguan.registry.models import Group
from qunguan.web import breaches

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="thread priorities: Linux")


class Priorities:
    """Stands in for the thread priority calls: records them, changes nothing (a test worker
    lowered for real could not always go back, and would run the rest of the suite slower)."""

    def __init__(self, start: int = 0) -> None:
        self.now: dict[int, int] = {}
        self.start = start
        self.calls: list[tuple[str, int]] = []

    def get(self, which: int, who: int) -> int:
        return self.now.get(who, self.start)

    def set(self, which: int, who: int, value: int) -> None:
        self.calls.append(("set", value))
        self.now[who] = value

    def own(self) -> int:
        return self.now.get(threading.get_native_id(), self.start)


@pytest.fixture
def priorities(monkeypatch: pytest.MonkeyPatch) -> Priorities:
    fake = Priorities()
    monkeypatch.setattr(breaches.os, "getpriority", fake.get)
    monkeypatch.setattr(breaches.os, "setpriority", fake.set)
    return fake


def watch(monkeypatch: pytest.MonkeyPatch, priorities: Priorities) -> list[int]:
    """Record this thread's priority each time the checks run."""
    seen: list[int] = []

    def watched(groups: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(priorities.own())
        return run_checks(groups, *args, **kwargs)

    monkeypatch.setattr(breaches, "run_checks", watched)
    return seen


def test_the_job_computes_at_a_lower_priority_and_gives_it_back(cast, large_school, monkeypatch, priorities):
    from qunguan.scheduler.runner import run_due

    seen = watch(monkeypatch, priorities)
    [outcome] = run_due(dt.datetime.now(zoneinfo.ZoneInfo("Asia/Shanghai")), only=["checks_cache"])
    assert outcome.result == f"{len(run_checks(Group.objects.all()))} 个问题"
    assert seen == [breaches.RECOMPUTE_NICE]
    assert priorities.calls == [("set", breaches.RECOMPUTE_NICE), ("set", 0)]
    assert priorities.own() == 0


def test_a_thread_already_lower_is_not_raised(cast, large_school, monkeypatch, priorities):
    priorities.start = 15
    seen = watch(monkeypatch, priorities)
    breaches.refresh_school_breaches(timezone.localdate())
    assert seen == [15]


def test_where_the_priority_cannot_change_the_job_still_runs(cast, large_school, monkeypatch):
    def refused(*args: Any) -> None:
        raise PermissionError("not allowed")

    monkeypatch.setattr(breaches.os, "setpriority", refused)
    assert breaches.refresh_school_breaches(timezone.localdate()) == len(run_checks(Group.objects.all()))


def test_a_page_that_computes_the_result_itself_keeps_its_priority(
    cast, client_for, large_school, monkeypatch, priorities
):
    """Without the job (its result too old), a page computes it: at the page's own priority."""
    from django.urls import reverse

    seen = watch(monkeypatch, priorities)
    assert client_for(cast.supervisor).get(reverse("group_list")).status_code == 200
    assert seen == [0]
    assert priorities.calls == []


def test_the_real_priority_calls_exist_here():
    """The calls the job makes are there on this platform (Linux), with a thread id."""
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) >= -20
