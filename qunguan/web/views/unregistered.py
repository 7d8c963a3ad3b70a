"""未登记群组: groups seen in imports or by a bot that the registry lacks; register or dismiss them."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from qunguan.registry import access
from qunguan.registry.errors import RegistryError
from qunguan.unregistered.access import access_unregistered, can_resolve, visible_unregistered
from qunguan.unregistered.actions import (
    do_dismiss_unregistered_group,
    do_register_unregistered_group,
    do_reopen_unregistered_group,
)
from qunguan.unregistered.models import SightingStatus, UnregisteredGroup
from qunguan.web.forms import GroupForm
from qunguan.web.views.common import paginate


class DismissForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("理由"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("例如：个人兴趣群，与本单位工作无关。"),
    )


def _sighting_or_404(user: Any, sighting_id: int, *, resolve: bool = False) -> UnregisteredGroup:
    try:
        return access_unregistered(user, sighting_id, resolve=resolve)
    except access.NotFound:
        raise Http404("未登记群组不存在或不在您的管理范围内。") from None
    except access.Forbidden:
        raise PermissionDenied("您无权处理这个未登记群组。") from None


@login_required
def unregistered_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") or SightingStatus.OPEN
    if status not in SightingStatus.values:
        status = SightingStatus.OPEN
    rows = (
        visible_unregistered(request.user)
        .filter(status=status)
        .select_related("unit", "group")
        .order_by("-last_seen", "pk")
    )
    return render(
        request,
        "web/unregistered_list.html",
        {"page": paginate(request, rows), "status": status, "statuses": SightingStatus.choices},
    )


@login_required
def unregistered_detail(request: HttpRequest, sighting_id: int) -> HttpResponse:
    row = _sighting_or_404(request.user, sighting_id)
    may_resolve = row.status == SightingStatus.OPEN and can_resolve(request.user, row)
    may_reopen = row.status == SightingStatus.NOT_WORK and can_resolve(request.user, row)
    return render(
        request,
        "web/unregistered_detail.html",
        {
            "row": row,
            "may_resolve": may_resolve,
            "may_reopen": may_reopen,
            "dismiss_form": DismissForm() if may_resolve else None,
        },
    )


@login_required
def unregistered_register(request: HttpRequest, sighting_id: int) -> HttpResponse:
    """The registration form, prefilled from what was seen; posting it registers the group."""
    user = request.user
    row = _sighting_or_404(user, sighting_id, resolve=True)
    if row.status != SightingStatus.OPEN:
        messages.error(request, _("这个未登记群组已处理。"))
        return redirect("unregistered_detail", sighting_id=row.pk)
    initial = {"name": row.name, "platform": row.platform, "account": row.account, "unit": row.unit_id}
    form = GroupForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data, admins = form.action_data()
        try:
            group = do_register_unregistered_group(user, row, admins=admins, **data)
        except RegistryError as err:
            form.add_registry_error(err)
        else:
            messages.success(request, _("已登记群组“%(name)s”。") % {"name": group.name})
            return redirect("group_detail", group_id=group.pk)
    return render(request, "web/group_form.html", {"form": form, "group": None, "sighting": row})


@login_required
@require_POST
def unregistered_dismiss(request: HttpRequest, sighting_id: int) -> HttpResponse:
    row = _sighting_or_404(request.user, sighting_id, resolve=True)
    form = DismissForm(request.POST)
    if form.is_valid():
        try:
            do_dismiss_unregistered_group(request.user, row, reason=form.cleaned_data["reason"])
        except RegistryError as err:
            messages.error(request, err.message)
        else:
            messages.success(request, _("已认定为非工作群。"))
            return redirect("unregistered_list")
    else:
        messages.error(request, _("请填写认定为非工作群的理由。"))
    return redirect("unregistered_detail", sighting_id=row.pk)


@login_required
@require_POST
def unregistered_reopen(request: HttpRequest, sighting_id: int) -> HttpResponse:
    """Reopen a group marked "not a work group" by mistake: it is a breach again until resolved."""
    row = _sighting_or_404(request.user, sighting_id, resolve=True)
    try:
        do_reopen_unregistered_group(request.user, row, note=request.POST.get("note", ""))
    except RegistryError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, _("已重新打开，该群重新列入待处理的未登记群组。"))
    return redirect("unregistered_detail", sighting_id=row.pk)
