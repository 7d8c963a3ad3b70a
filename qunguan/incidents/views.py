"""账号事件 pages: report (anyone logged in), list and detail in scope, move on or close."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from qunguan.incidents import access as incident_access
from qunguan.incidents.actions import do_report_incident, do_set_incident_state
from qunguan.incidents.forms import ReportForm, StateForm
from qunguan.incidents.models import AccountIncident
from qunguan.registry import access
from qunguan.registry.errors import RegistryError
from qunguan.web.views.common import paginate


def incident_or_404(user: object, incident_id: int) -> AccountIncident:
    try:
        return incident_access.access_incident(user, incident_id)
    except access.NotFound:
        raise Http404("事件不存在或不在您的管理范围内。") from None


@login_required
def incident_list(request: HttpRequest) -> HttpResponse:
    qs = incident_access.visible_incidents(request.user).select_related("reported_by")
    state = request.GET.get("state", "")
    if state:
        qs = qs.filter(state=state)
    return render(request, "incidents/incident_list.html", {"page": paginate(request, qs), "state": state})


@login_required
def incident_report(request: HttpRequest) -> HttpResponse:
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            incident = do_report_incident(request.user, **form.cleaned_data)
        except RegistryError as err:
            form.add_error(err.field if err.field in form.fields else None, err.message)
        else:
            messages.success(request, _("已报告，相关群组的管理员会收到通知。"))
            return redirect("incident_detail", incident_id=incident.pk)
    return render(request, "incidents/incident_report.html", {"form": form})


@login_required
def incident_detail(request: HttpRequest, incident_id: int) -> HttpResponse:
    user = request.user
    incident = incident_or_404(user, incident_id)
    can_handle = incident_access.can_handle(user, incident)
    if request.method == "POST" and not can_handle:
        # Seeing an incident is not handling it: 宣传部 and the flagged groups' liaisons only.
        raise PermissionDenied("只有党委宣传部或涉及群组所在单位的联络人可以处理该事件。")
    form = StateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            do_set_incident_state(user, incident, **form.cleaned_data)
        except RegistryError as err:
            form.add_error(err.field if err.field in form.fields else None, err.message)
        else:
            messages.success(request, _("已更新事件状态。"))
            return redirect("incident_detail", incident_id=incident.pk)
    visible = access.visible_groups(user).values_list("pk", flat=True)
    groups = incident.groups.filter(pk__in=visible).select_related("unit")
    return render(
        request,
        "incidents/incident_detail.html",
        {
            "incident": incident,
            "groups": groups,
            "hidden_groups": incident.groups.count() - groups.count(),
            "can_handle": can_handle and incident.state != "closed",
            "form": form,
        },
    )
