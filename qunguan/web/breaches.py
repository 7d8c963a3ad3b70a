"""The registry checks' breaches (违规项) a page shows, in the user's scope — cached in a large school.

Running every check means reading the facts of every group (its admins, approvals, latest member
list, last message): milliseconds for a department, seconds for a school of 10,000 groups with
hundreds of thousands of members on file. So above ``LARGE_SCOPE_GROUPS`` groups the school-wide
result is computed at most once every ``QUNGUAN_CHECKS_CACHE_SECONDS`` and shared by the web
processes through a file cache in the data directory; each page then keeps the breaches of the
user's scope. Below it (every department, every small school, the test suite) the checks run on
each request, exactly as before.

The school-wide result can be cut to a unit role's scope without changing a breach: every check
compares a group only with groups of its own unit, and a unit role sees whole units. A user who
also administers single groups sees a partial unit, so their breaches are always computed over
what they see (a few groups, so cheap).
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db.models import QuerySet
from django.utils import timezone

from qunguan.accounts.models import Role
from qunguan.registry import access
from qunguan.registry.checks import CHECKS, Breach, CheckContext, run_checks, unregistered_facts
from qunguan.registry.models import Group, GroupStatus
from qunguan.unregistered.models import UnregisteredGroup

# Above this many groups in the school the checks' result is shared instead of recomputed.
LARGE_SCOPE_GROUPS = 2000
CACHE_ALIAS = "checks"
# How long a process trusts its last answer to "is this a large school?" (a count of every group,
# otherwise paid by every page that shows breaches). A school crosses the threshold once in its
# life; the pages follow within this many seconds.
SIZE_RECHECK_SECONDS = 60.0
# The scheduler recomputes the shared result on the cores that serve the pages (seconds of one core
# at 10,000 groups, once a minute): it does so at this CPU priority (nice), so that a page waiting
# for a core goes first and the recomputation takes the time the pages leave. Linux; 0 leaves it.
RECOMPUTE_NICE = 10


@dataclass(frozen=True)
class BreachSummary:
    """Breaches grouped by check kind, in the order they were found, for the dashboard (总览)."""

    by_kind: dict[str, list[Breach]]
    total: int
    # Registered and unregistered groups with at least one breach.
    groups: int
    checked_at: dt.datetime | None  # None: computed for this request

    @classmethod
    def of(cls, breaches: list[Breach], checked_at: dt.datetime | None) -> BreachSummary:
        by_kind: dict[str, list[Breach]] = defaultdict(list)
        for b in breaches:
            by_kind[b.kind].append(b)
        groups = len({(b.group_id, b.unregistered_id) for b in breaches})
        return cls(dict(by_kind), len(breaches), groups, checked_at)

    def plus(self, other: BreachSummary) -> BreachSummary:
        """Return this summary followed by ``other`` (whose groups are none of this one's)."""
        by_kind = dict(self.by_kind)
        for kind, rows in other.by_kind.items():
            by_kind[kind] = [*by_kind.get(kind, ()), *rows]
        return BreachSummary(by_kind, self.total + other.total, self.groups + other.groups, self.checked_at)


class BreachIndex:
    """Breaches with lookups by group, unit and check kind, built once per result."""

    def __init__(self, breaches: list[Breach], checked_at: dt.datetime | None = None) -> None:
        self.breaches = breaches
        self.checked_at = checked_at  # None: computed for this request
        self.by_group: dict[int, list[Breach]] = defaultdict(list)
        self.by_unit: dict[int | None, list[Breach]] = defaultdict(list)
        self.by_kind: dict[str, set[int]] = defaultdict(set)
        self._summary: BreachSummary | None = None
        for b in breaches:
            self.by_group[b.group_id].append(b)
            self.by_unit[b.unit_id].append(b)
            self.by_kind[b.kind].add(b.group_id)

    def summary(self) -> BreachSummary:
        """Return the breaches grouped by kind (computed once per result, then kept with it)."""
        if self._summary is None:
            self._summary = BreachSummary.of(self.breaches, self.checked_at)
        return self._summary

    def for_group(self, group_id: int) -> list[Breach]:
        return self.by_group.get(group_id, [])

    def group_ids(self, kind: str) -> set[int]:
        return self.by_kind.get(kind, set())


# This process's copy of the school-wide result; the file cache shares it between processes.
_local: dict[str, tuple[float, BreachIndex]] = {}


def _school_breaches(today: dt.date) -> BreachIndex:
    """Return the breaches of every registered group, computed at most the cache's age ago."""
    ttl = settings.QUNGUAN_CHECKS_CACHE_SECONDS
    key = f"school-breaches:{today.isoformat()}"
    now = time.time()
    hit = _local.get(key)
    if hit is not None and now - hit[0] < ttl:
        return hit[1]
    shared: Any = caches[CACHE_ALIAS].get(key)
    if shared is not None and now - shared[0] < ttl:
        stamp, breaches = shared
    else:
        stamp, breaches = _compute_and_share(today)
    index = BreachIndex(breaches, dt.datetime.fromtimestamp(stamp, tz=dt.UTC))
    _local.clear()
    _local[key] = (stamp, index)
    return index


def _compute_and_share(today: dt.date) -> tuple[float, list[Breach]]:
    kinds = [k for k in CHECKS if k != "unregistered_group"]
    breaches = run_checks(Group.objects.all(), today=today, kinds=kinds)
    stamp = time.time()
    ttl = settings.QUNGUAN_CHECKS_CACHE_SECONDS
    caches[CACHE_ALIAS].set(f"school-breaches:{today.isoformat()}", (stamp, breaches), timeout=ttl)
    return stamp, breaches


@contextmanager
def _yielding_to_pages() -> Iterator[None]:
    """Run the block at ``RECOMPUTE_NICE`` (this thread only), then at the priority it had.

    Going back needs a privilege a service account may lack; the thread then stays at that
    priority, which is where the scheduler's background work belongs anyway.
    """
    thread = threading.get_native_id()
    try:
        before = os.getpriority(os.PRIO_PROCESS, thread)
        os.setpriority(os.PRIO_PROCESS, thread, max(before, RECOMPUTE_NICE))
    except (AttributeError, OSError):  # not Linux, or not allowed: as it is
        before = None
    try:
        yield
    finally:
        if before is not None:
            with suppress(OSError):
                os.setpriority(os.PRIO_PROCESS, thread, before)


def refresh_school_breaches(today: dt.date) -> int | None:
    """Compute the school-wide result now and share it; return its number of breaches.

    The scheduler's ``checks_cache`` job calls this every minute, inside the cache's lifetime, so
    that in a large school no page request has to compute the checks itself; it computes at a
    lower CPU priority than the pages (``RECOMPUTE_NICE``). Returns None (and does nothing) in a
    school small enough to check on every request.
    """
    if not is_large_school():
        return None
    with _yielding_to_pages():
        return len(_compute_and_share(today)[1])


# This process's last answer to ``is_large_school``: (threshold it was for, when, answer).
_size: dict[str, tuple[int, float, bool]] = {}


def is_large_school() -> bool:
    """Whether the school has so many groups that check results are shared (see the module).

    The count is taken at most every ``SIZE_RECHECK_SECONDS`` per process.
    """
    if settings.QUNGUAN_CHECKS_CACHE_SECONDS <= 0:
        return False
    now = time.monotonic()
    known = _size.get("large")
    if known is not None and known[0] == LARGE_SCOPE_GROUPS and now - known[1] < SIZE_RECHECK_SECONDS:
        return known[2]
    large = Group.objects.exclude(status=GroupStatus.DISSOLVED).count() > LARGE_SCOPE_GROUPS
    _size["large"] = (LARGE_SCOPE_GROUPS, now, large)
    return large


def _shared_applies(user: Any) -> bool:
    return Role.GROUP_ADMIN not in access.roles_of(user) and is_large_school()


def group_breaches(user: Any, groups: QuerySet[Group]) -> BreachIndex:
    """Return the breaches of the groups the user sees (``groups`` is their ``visible_groups``).

    With the shared result, ``for_group`` and ``group_ids`` answer for any group id: callers
    ask only about groups of ``groups``, whose breaches are the same either way.
    """
    if not _shared_applies(user):
        return BreachIndex(run_checks(groups))
    return _school_breaches(timezone.localdate())


def scoped_breaches(
    user: Any,
    groups: QuerySet[Group] | None = None,
    *,
    unregistered: QuerySet[UnregisteredGroup] | None = None,
) -> tuple[list[Breach], dt.datetime | None]:
    """Return the breaches of the groups the user sees, and when they were computed (None: now).

    ``groups`` is the user's ``visible_groups`` (passed when the caller already has it).
    ``unregistered`` (already scoped) adds the open unregistered groups, always read fresh.
    """
    visible = groups if groups is not None else access.visible_groups(user)
    if not _shared_applies(user):
        return run_checks(visible, unregistered=unregistered), None
    school = _school_breaches(timezone.localdate())
    if access.is_supervisor(user):
        breaches = list(school.breaches)
    else:
        breaches = []
        for unit_id in access.visible_units(user).values_list("pk", flat=True):
            breaches += school.by_unit.get(unit_id, [])
    if unregistered is not None:
        breaches += unregistered_breaches(unregistered)
    return breaches, school.checked_at


def unregistered_breaches(unregistered: QuerySet[UnregisteredGroup]) -> list[Breach]:
    """Return a breach for each open unregistered group in ``unregistered`` (already scoped).

    The same as ``run_checks(Group.objects.none(), kinds=["unregistered_group"], …)`` without
    the registered groups' fact queries, which find nothing there but still cost their time.
    """
    ctx = CheckContext(today=timezone.localdate(), unregistered=unregistered_facts(unregistered))
    return list(CHECKS["unregistered_group"].fn((), ctx))


def breach_summary(
    user: Any, groups: QuerySet[Group], *, unregistered: QuerySet[UnregisteredGroup] | None = None
) -> BreachSummary:
    """Return ``scoped_breaches`` grouped by kind, for the dashboard.

    For the supervisor of a large school the grouping of the school-wide result is done once
    per result and kept with it (25,000 breaches and more), not once per page.
    """
    if _shared_applies(user) and access.is_supervisor(user):
        school = _school_breaches(timezone.localdate()).summary()
        if unregistered is None:
            return school
        return school.plus(BreachSummary.of(unregistered_breaches(unregistered), None))
    return BreachSummary.of(*scoped_breaches(user, groups, unregistered=unregistered))


def clear_local_cache() -> None:
    """Forget this process's copies (tests; the shared file cache expires by itself)."""
    from qunguan.web import unit_options

    _local.clear()
    _size.clear()
    unit_options.clear_cache()
