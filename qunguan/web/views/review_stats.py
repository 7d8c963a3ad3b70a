"""审查统计 and 白名单: the review dashboard's charts, the XLSX export, and the allow-list page.

The charts are drawn by Apache ECharts, served from this app's static files
(``web/vendor/echarts/``) — nothing is loaded from the internet. The figures travel in a
``json_script`` block that ``web/review-charts.js`` reads: no inline script, as the
Content-Security-Policy requires.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from qunguan.chats import access, allowlist, stats
from qunguan.chats import sender_warnings as warnings
from qunguan.chats.models import AllowListEntry
from qunguan.registry.errors import RegistryError
from qunguan.web.forms import ReviewFilterForm
from qunguan.web.views.review import _filtered, _require_reviewer

# The dashboard counts each sender's warnings over this many days.
WARNING_PERIOD_DAYS = 30
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
def review_dashboard(request: HttpRequest) -> HttpResponse:
    """Charts of the findings the queue's filters select (all statuses unless one is chosen)."""
    user = request.user
    _require_reviewer(user)
    params = request.GET.copy()
    params.setdefault("status", "all")
    form = ReviewFilterForm(params, user=user)
    figures = stats.figures(_filtered(user, form))
    since = timezone.now() - dt.timedelta(days=WARNING_PERIOD_DAYS)
    return render(
        request,
        "web/review_dashboard.html",
        {
            "warning_counts": warnings.warning_counts(user, since)[:20],
            "warning_days": WARNING_PERIOD_DAYS,
            "form": form,
            "figures": figures,
            "chart_data": figures.as_chart_data(),
            "query": params.urlencode(),
        },
    )


@login_required
def review_export(request: HttpRequest) -> HttpResponse:
    """The filtered findings as XLSX, personal data masked; the export is logged."""
    user = request.user
    _require_reviewer(user)
    params = request.GET.copy()
    params.setdefault("status", "all")
    form = ReviewFilterForm(params, user=user)
    body = stats.do_export_findings(user, _filtered(user, form), filters=params.urlencode())
    response = HttpResponse(body, content_type=XLSX)
    name = f"findings-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def allowlist_list(request: HttpRequest) -> HttpResponse:
    """The allow-list entries in force that the user may see."""
    user = request.user
    _require_reviewer(user)
    entries = allowlist.visible_entries(user).order_by("-created_at", "-pk")
    rows = [
        {
            "entry": e,
            "describe": allowlist._describe(e),
            "can_remove": access.can_act_on_findings(user) and _may_remove(user, e),
        }
        for e in entries[:500]
    ]
    return render(request, "web/allowlist.html", {"rows": rows})


def _may_remove(user: object, entry: AllowListEntry) -> bool:
    try:
        allowlist._check_scope(
            user, allowlist.SCOPE_SCHOOL if entry.unit is None else allowlist.SCOPE_UNIT, entry.unit
        )
    except RegistryError:
        return False
    return True


@require_POST
@login_required
def allowlist_remove(request: HttpRequest, entry_id: int) -> HttpResponse:
    user = request.user
    entry = allowlist.visible_entries(user).filter(pk=entry_id).first()
    if entry is None:
        raise Http404("白名单条目不存在或不在您的管理范围内。")
    if not _may_remove(user, entry):
        raise PermissionDenied("您无权移除该白名单条目。")
    allowlist.do_remove_allowlist_entry(user, entry)
    messages.success(request, "已移出白名单；以后导入的消息将重新报告。")
    return redirect("allowlist_list")


__all__ = ["allowlist_list", "allowlist_remove", "review_dashboard", "review_export"]
