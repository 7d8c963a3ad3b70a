"""总览: groups per unit and per platform, and the registry checks' breaches, in the user's scope."""

from __future__ import annotations

from collections import defaultdict
from html import escape
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from qunguan.registry import access
from qunguan.registry.checks import CHECKS, Breach
from qunguan.registry.models import Group, GroupStatus, Platform, Unit
from qunguan.unregistered.access import visible_unregistered
from qunguan.web.breaches import breach_summary
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


def _group_counts(all_groups: QuerySet[Group]) -> dict[str, Any]:
    """Return the dashboard's group figures from one aggregate over the user's groups.

    One ``GROUP BY unit, platform, status`` replaces a query per figure (each a scan of every
    group in scope); only the names of the units that can reach the chart are read afterwards.
    """
    per_unit: dict[int, int] = defaultdict(int)
    per_platform: dict[str, int] = defaultdict(int)
    dissolved = temporary = 0
    rows = all_groups.values_list("unit_id", "platform", "status").annotate(n=Count("id")).order_by()
    for unit_id, platform, status, n in rows:
        if status == GroupStatus.DISSOLVED:
            dissolved += n
            continue
        if status == GroupStatus.TEMPORARY:
            temporary += n
        per_unit[unit_id] += n
        per_platform[platform] += n
    # Largest units first, ties by name as the database orders names (units of one name: the
    # newest first, as the single query that did this returned them on SQLite). Every unit as
    # large as the last charted one is a candidate, and only the candidates' names are read.
    counts = sorted(per_unit.values(), reverse=True)
    floor = counts[UNIT_BARS - 1] if len(counts) >= UNIT_BARS else 0
    names = list(
        Unit.objects.filter(pk__in=[u for u, n in per_unit.items() if n >= floor])
        .order_by("name", "-pk")
        .values_list("pk", "name")
    )
    rank = {pk: i for i, (pk, _name) in enumerate(names)}
    name_of = dict(names)
    charted = sorted(rank, key=lambda u: (-per_unit[u], rank[u]))[:UNIT_BARS]
    platforms = dict(Platform.choices)
    return {
        "total_groups": sum(per_unit.values()),
        "dissolved_groups": dissolved,
        "temporary_groups": temporary,
        "by_unit": _bars([{"unit_id": u, "unit__name": name_of[u], "n": per_unit[u]} for u in charted]),
        "other_units": len(per_unit) - len(charted),
        "other_units_groups": sum(per_unit.values()) - sum(per_unit[u] for u in charted),
        "by_platform": _bars(
            [
                {"platform": p, "label": platforms.get(p, p), "n": n}
                for p, n in sorted(per_platform.items(), key=lambda r: (-r[1], r[0]))
            ]
        ),
    }


class _Links:
    """Each breach's link (its group, or the unregistered group to resolve): two URLs reversed
    once per page and the id put in, instead of one ``{% url %}`` per row (450 rows)."""

    ID = 987654321

    def __init__(self) -> None:
        self.group = reverse("group_detail", args=[self.ID]).split(str(self.ID))
        self.unregistered = reverse("unregistered_detail", args=[self.ID]).split(str(self.ID))

    def of(self, b: Breach) -> str:
        head, tail = self.unregistered if b.unregistered_id else self.group
        return f"{head}{b.unregistered_id or b.group_id}{tail}"

    def row(self, b: Breach) -> SafeString:
        """Return the breach's row of its section as the template wrote it (one loop iteration).

        Fifty rows per check, six checks: written here rather than by template nodes;
        ``escape`` is what the template's autoescape does to a plain string.
        """
        return mark_safe(  # noqa: S308 — every value escaped here
            f'\n        <tr data-breach="{escape(b.kind)}"><td><a href="{escape(self.of(b))}">'
            f"{escape(b.group_name)}</a></td><td>{escape(b.unit_name)}</td><td>{escape(b.detail)}</td></tr>\n      "
        )


def _open_findings(user: Any) -> dict[str, Any]:
    figure = open_findings_count(user)
    if figure is None:
        return {"open_findings": None}
    n, capped = figure
    return {"open_findings": n, "open_findings_capped": capped, "count_cap": f"{n:,}"}


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    all_groups = access.visible_groups(user)
    summary = breach_summary(user, all_groups, unregistered=visible_unregistered(user))
    # Each section lists its first SECTION_ROWS breaches; the rest are one click away in the
    # registry list filtered by the check (thousands of rows make a page nobody reads).
    links = _Links()
    sections = [
        {
            "check": check,
            "severity": breach_severity(kind),
            "rows": [links.row(b) for b in summary.by_kind[kind][:SECTION_ROWS]],
            "total": len(summary.by_kind[kind]),
            "more": max(0, len(summary.by_kind[kind]) - SECTION_ROWS),
        }
        for kind, check in CHECKS.items()
        if summary.by_kind.get(kind)
    ]
    context = {
        **_group_counts(all_groups),
        "total_breaches": summary.total,
        "groups_with_breaches": summary.groups,
        "sections": sections,
        "clean_kinds": [c for k, c in CHECKS.items() if not summary.by_kind.get(k)],
        **_open_findings(user),
        "checked_at": summary.checked_at,
    }
    return render(request, "web/dashboard.html", context)
