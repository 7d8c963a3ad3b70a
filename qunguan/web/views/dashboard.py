"""总览: groups per unit and per platform, and the registry checks' breaches, in the user's scope."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from qunguan.registry import access
from qunguan.registry.checks import CHECKS, Breach
from qunguan.registry.models import GroupStatus, Platform
from qunguan.unregistered.access import visible_unregistered
from qunguan.web.breaches import scoped_breaches
from qunguan.web.views.common import breach_severity
from qunguan.web.views.review import open_findings_count

# Breaches listed per check on the dashboard.
SECTION_ROWS = 50
# Units charted in "各单位群组数": the largest ones. A school has a thousand and more units with
# groups (every class); charting them all made the dashboard cost more to render than all its
# queries, and the registry list filtered by unit shows any unit in full.
UNIT_BARS = 30


def _bars(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add ``pct`` (bar width relative to the largest value) to each row."""
    top = max((r["n"] for r in rows), default=0) or 1
    return [{**r, "pct": round(100 * r["n"] / top)} for r in rows]


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    all_groups = access.visible_groups(user)
    live = all_groups.exclude(status=GroupStatus.DISSOLVED)
    per_unit = list(live.values("unit_id", "unit__name").annotate(n=Count("id")).order_by("-n", "unit__name"))
    by_unit = _bars(per_unit[:UNIT_BARS])
    other_units = per_unit[UNIT_BARS:]
    platforms = dict(Platform.choices)
    by_platform = _bars(
        [
            {"platform": r["platform"], "label": platforms.get(r["platform"], r["platform"]), "n": r["n"]}
            for r in live.values("platform").annotate(n=Count("id")).order_by("-n")
        ]
    )
    breaches, checked_at = scoped_breaches(user, all_groups, unregistered=visible_unregistered(user))
    grouped: dict[str, list[Breach]] = defaultdict(list)
    for b in breaches:
        grouped[b.kind].append(b)
    # Each section lists its first SECTION_ROWS breaches; the rest are one click away in the
    # registry list filtered by the check (thousands of rows make a page nobody reads).
    sections = [
        {
            "check": check,
            "severity": breach_severity(kind),
            "breaches": grouped[kind][:SECTION_ROWS],
            "total": len(grouped[kind]),
            "more": max(0, len(grouped[kind]) - SECTION_ROWS),
        }
        for kind, check in CHECKS.items()
        if grouped.get(kind)
    ]
    context = {
        "total_groups": live.count(),
        "dissolved_groups": all_groups.filter(status=GroupStatus.DISSOLVED).count(),
        "temporary_groups": live.filter(status=GroupStatus.TEMPORARY).count(),
        "total_breaches": len(breaches),
        "groups_with_breaches": len({(b.group_id, b.unregistered_id) for b in breaches}),
        "by_unit": by_unit,
        "other_units": len(other_units),
        "other_units_groups": sum(r["n"] for r in other_units),
        "by_platform": by_platform,
        "sections": sections,
        "clean_kinds": [c for k, c in CHECKS.items() if not grouped.get(k)],
        "open_findings": open_findings_count(user),
        "checked_at": checked_at,
    }
    return render(request, "web/dashboard.html", context)
