"""个案: the cases per person (4(3)) — list, one case with its findings and record, and its steps.

Views parse, fetch through ``qunguan.chats.cases.access_case`` (out of scope → 404), check who
may act (read only → 403), call an action of ``qunguan.chats.cases`` and redirect.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from qunguan.audit.labels import category_label
from qunguan.auditlog.log import entries_for
from qunguan.chats import access, cases
from qunguan.chats.models import Case, CaseOutcome, CaseState
from qunguan.chats.privacy import shown_evidence
from qunguan.registry.errors import RegistryError
from qunguan.web.views.common import event_label, paginate


def case_or_404(user: Any, case_id: Any) -> Case:
    """Return the case through ``cases.access_case``; raise Http404."""
    try:
        return cases.access_case(user, case_id)
    except cases.NotFound:
        raise Http404("个案不存在或不在您的管理范围内。") from None


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not access.can_see_findings(user):
        raise PermissionDenied("您没有可查看的个案。")
    state = request.GET.get("state", "")
    qs = cases.visible_cases(user).select_related("unit", "group", "handler")
    if state in CaseState.values:
        qs = qs.filter(state=state)
    page = paginate(request, qs.order_by("state", "-opened_at", "-pk"))
    rows = [
        {"case": c, "subject": cases.subject(c), "findings": c.findings.count()} for c in page.object_list
    ]
    return render(
        request,
        "web/case_list.html",
        {"page": page, "rows": rows, "state": state, "states": CaseState.choices, "query": f"state={state}"},
    )


@login_required
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    user = request.user
    case = case_or_404(user, case_id)
    visible = access.visible_findings(user)
    findings = [
        {
            "finding": f,
            "category": category_label(f.category),
            "evidence": shown_evidence(f, f.message.findings.all()),
        }
        for f in case.findings.filter(pk__in=visible.values("pk"))
        .select_related("message", "group")
        .prefetch_related("message__findings")
        .order_by("message__sent_at", "pk")
    ]
    history = [{"entry": e, "label": event_label(e.event_type)} for e in entries_for("case", case.pk)[:100]]
    return render(
        request,
        "web/case_detail.html",
        {
            "case": case,
            "subject": cases.subject(case),
            "findings": findings,
            "entries": case.entries.select_related("author"),
            "history": history,
            "can_act": cases.can_act_on_case(user, case),
            "outcomes": CaseOutcome.choices,
            "note_kinds": list(cases.NOTE_KINDS.items()),
        },
    )


def _step(request: HttpRequest, case_id: int, run: Any, done: str) -> HttpResponse:
    user = request.user
    case = case_or_404(user, case_id)
    if not cases.can_act_on_case(user, case):
        raise PermissionDenied("您只能查看该个案，无权处理。")
    try:
        run(user, case)
    except RegistryError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, done)
    return redirect("case_detail", case.pk)


@require_POST
@login_required
def case_note(request: HttpRequest, case_id: int) -> HttpResponse:
    """Add a note, a 批评教育 record or an 上报 record."""
    kind, text = request.POST.get("kind", "note"), request.POST.get("text", "")
    return _step(
        request, case_id, lambda u, c: cases.do_add_case_note(u, c, kind=kind, text=text), "记录已添加。"
    )


@require_POST
@login_required
def case_handle(request: HttpRequest, case_id: int) -> HttpResponse:
    """Start handling an open case."""
    note = request.POST.get("note", "")
    return _step(request, case_id, lambda u, c: cases.do_start_handling(u, c, note=note), "个案已开始处理。")


@require_POST
@login_required
def case_close(request: HttpRequest, case_id: int) -> HttpResponse:
    """Close a case with its outcome."""
    outcome, note = request.POST.get("outcome", ""), request.POST.get("note", "")
    return _step(
        request, case_id, lambda u, c: cases.do_close_case(u, c, outcome=outcome, note=note), "个案已结案。"
    )


__all__ = ["case_close", "case_detail", "case_handle", "case_list", "case_note"]
