"""Figures of the review dashboard (审查统计) and the XLSX export of findings.

Every function takes an already-scoped queryset (``access.visible_findings`` narrowed by the
queue's filters), so the charts and the export show exactly what the user's queue shows.
The export masks personal data like the screen does: evidence cut from the redacted text,
senders as pseudonyms; exporting is a logged action (840).
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from qunguan.audit.finding import Severity
from qunguan.audit.labels import SEVERITY_LABELS, category_label
from qunguan.auditlog import log
from qunguan.auditlog.events import AuditEvent
from qunguan.chats.models import Finding, FindingStatus
from qunguan.chats.privacy import pseudonym, shown_evidence

UNREGISTERED = "未登记群组"
TOP_GROUPS = 10
EXPORT_MAX_ROWS = 100_000


@dataclass(frozen=True)
class Figures:
    """What the dashboard charts: counts by category, by unit, per day and category, by status."""

    total: int
    by_category: list[tuple[str, int]]  # (label, count), most first
    by_unit: list[tuple[str, int]]
    top_groups: list[tuple[str, int]]
    by_status: list[tuple[str, int]]
    days: list[str]  # ISO dates, oldest first
    over_time: dict[str, list[int]]  # category label → count per day in ``days``

    def as_chart_data(self) -> dict[str, Any]:
        """Return the figures as JSON-ready data for the page's charts."""
        return {
            "byCategory": [{"name": n, "value": v} for n, v in self.by_category],
            "byUnit": {"names": [n for n, _ in self.by_unit], "values": [v for _, v in self.by_unit]},
            "topGroups": {
                "names": [n for n, _ in self.top_groups],
                "values": [v for _, v in self.top_groups],
            },
            "byStatus": [{"name": n, "value": v} for n, v in self.by_status],
            "days": self.days,
            "overTime": [{"name": n, "data": v} for n, v in self.over_time.items()],
        }


def figures(findings: QuerySet[Finding]) -> Figures:
    """Return the dashboard's figures for ``findings`` (a scoped, filtered queryset)."""
    qs = findings.order_by()
    by_category = [
        (category_label(r["category"]), r["n"])
        for r in qs.values("category").annotate(n=Count("pk")).order_by("-n", "category")
    ]
    by_unit = [
        (r["group__unit__name"] or UNREGISTERED, r["n"])
        for r in qs.values("group__unit__name").annotate(n=Count("pk")).order_by("-n", "group__unit__name")
    ]
    top_groups = [
        (r["group__name"] or UNREGISTERED, r["n"])
        for r in qs.values("group__name").annotate(n=Count("pk")).order_by("-n", "group__name")[:TOP_GROUPS]
    ]
    status_labels = dict(FindingStatus.choices)
    by_status = [
        (status_labels.get(r["status"], r["status"]), r["n"])
        for r in qs.values("status").annotate(n=Count("pk")).order_by("status")
    ]
    per_day = (
        qs.annotate(day=TruncDate("sent_at"))
        .values("day", "category")
        .annotate(n=Count("pk"))
        .order_by("day")
    )
    days: list[dt.date] = []
    counts: dict[tuple[dt.date, str], int] = {}
    for r in per_day:
        if r["day"] not in days:
            days.append(r["day"])
        counts[(r["day"], r["category"])] = r["n"]
    categories = sorted({c for _, c in counts})
    over_time = {category_label(c): [counts.get((d, c), 0) for d in days] for c in categories}
    return Figures(
        total=sum(n for _, n in by_category),
        by_category=by_category,
        by_unit=by_unit,
        top_groups=top_groups,
        by_status=by_status,
        days=[d.isoformat() for d in days],
        over_time=over_time,
    )


HEADERS = [
    "编号",
    "发送时间",
    "单位",
    "群组",
    "发送者（代号）",
    "类别",
    "严重程度",
    "规则",
    "证据（已脱敏）",
    "说明",
    "置信度",
    "状态",
    "处理人",
    "处理时间",
    "处理说明",
]


def _cell(value: Any) -> Any:
    # A text starting with = + - @ (or a tab/CR) would be evaluated by Excel (formula injection).
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _local(moment: dt.datetime | None) -> dt.datetime | None:
    # openpyxl cannot store time zones; write local (Asia/Shanghai) wall time.
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None


def do_export_findings(user: Any, findings: QuerySet[Finding], *, filters: str = "") -> bytes:
    """Return ``findings`` (scoped and filtered by the caller) as an XLSX workbook; log the export.

    Personal data is masked as on screen. At most ``EXPORT_MAX_ROWS`` rows, most severe first.
    """
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("审查发现")
    ws.append(HEADERS)
    rows = (
        findings.select_related("message", "group__unit", "handled_by")
        .prefetch_related("message__findings")
        .order_by("-severity", "-sent_at", "-pk")[:EXPORT_MAX_ROWS]
    )
    count = 0
    for f in rows:
        message = f.message
        row = [
            f.pk,
            _local(message.sent_at),
            f.group.unit.name if f.group else UNREGISTERED,
            f.group.name if f.group else (message.group_name or message.group_account),
            pseudonym(message),
            category_label(f.category),
            SEVERITY_LABELS.get(Severity(f.severity), str(f.severity)),
            f.rule,
            shown_evidence(f, message.findings.all()),
            f.explanation,
            round(f.score, 2),
            f.get_status_display(),
            str(f.handled_by) if f.handled_by else "",
            _local(f.handled_at),
            f.note,
        ]
        ws.append([_cell(v) for v in row])
        count += 1
    out = io.BytesIO()
    wb.save(out)
    with transaction.atomic():
        log.append(
            actor=user,
            event=AuditEvent.FINDINGS_EXPORTED,
            object_type="finding",
            object_id="",
            summary=f"导出审查发现 {count} 条（XLSX，个人信息已脱敏）",
            after={"rows": count, "filters": filters},
        )
    return out.getvalue()


__all__ = ["Figures", "do_export_findings", "figures"]
