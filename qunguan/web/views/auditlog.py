"""审计日志 (supervisor only): the hash-chained log, paginated, with a chain verification."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from qunguan.auditlog import log
from qunguan.auditlog.events import AuditEvent
from qunguan.auditlog.models import AuditLogEntry
from qunguan.web.views.common import paginate, query_without, require_supervisor
from qunguan.web.views.history import history_rows


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    require_supervisor(request.user)
    # The audit log has no per-object scope: the supervisor sees all of it, nobody else any.
    entries = AuditLogEntry.objects.order_by("-seq")
    event = request.GET.get("event", "")
    if event.isdigit():
        entries = entries.filter(event_type=int(event))
    q = request.GET.get("q", "").strip()
    if q:
        entries = entries.filter(summary__icontains=q)
    page = paginate(request, entries)
    problems = None
    verified = False
    if request.method == "POST":
        problems = list(log.verify())
        verified = True
    return render(
        request,
        "web/audit_log.html",
        {
            "page": page,
            "rows": history_rows(request.user, page.object_list),
            "events": [(int(e), e.label) for e in AuditEvent],
            "event": event,
            "q": q,
            "query": query_without(request, "page"),
            "verified": verified,
            "problems": problems,
            "total": AuditLogEntry.objects.count(),
        },
    )
