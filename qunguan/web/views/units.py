"""单位: the user's visible unit tree, and the filing form (备案登记表) export per unit."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header

from qunguan.filing import do_export_filing
from qunguan.registry import access
from qunguan.registry.errors import RegistryError
from qunguan.registry.models import GroupStatus
from qunguan.web.views.common import unit_depths, unit_or_404

FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


@login_required
def unit_tree(request: HttpRequest) -> HttpResponse:
    user = request.user
    units = list(
        access.visible_units(user)
        .select_related("head", "liaison")
        .annotate(
            n_groups=Count("groups", filter=~Q(groups__status=GroupStatus.DISSOLVED), distinct=True),
            n_official=Count(
                "groups",
                filter=Q(groups__is_official=True) & ~Q(groups__status=GroupStatus.DISSOLVED),
                distinct=True,
            ),
        )
        .order_by("path")
    )
    depths = unit_depths(units)
    rows = [
        {
            "unit": u,
            "depth": depths[u.pk],
            "indent": depths[u.pk] * 1.5,
            "can_export": access.can_manage_unit(user, u),
        }
        for u in units
    ]
    return render(request, "web/unit_tree.html", {"rows": rows})


@login_required
def filing_export(request: HttpRequest, unit_id: int, fmt: str) -> HttpResponse:
    """Return the unit's 备案登记表 as an attachment (managers of the unit and the supervisor)."""
    if fmt not in FORMATS:
        raise Http404("不支持的导出格式。")
    user = request.user
    unit = unit_or_404(user, unit_id, manage=True)
    try:
        filename, content = do_export_filing(user, unit, fmt)
    except RegistryError as err:
        messages.error(request, err.message)
        return redirect("unit_tree")
    response = HttpResponse(content, content_type=FORMATS[fmt])
    response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    return response
