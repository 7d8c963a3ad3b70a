"""群组登记: the registry list, group detail with history, register, edit, dissolve, rules document."""

from __future__ import annotations

from html import escape
from pathlib import PurePosixPath
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qunguan.auditlog.log import entries_for
from qunguan.registry import access
from qunguan.registry.actions import (
    do_dissolve_group,
    do_register_group,
    do_update_group,
    do_upload_group_rules,
)
from qunguan.registry.checks import Breach, run_checks
from qunguan.registry.errors import RegistryError
from qunguan.registry.masking import mask_contact
from qunguan.registry.models import Group, GroupStatus
from qunguan.web.breaches import group_breaches
from qunguan.web.forms import DissolveForm, GroupFilterForm, GroupForm, RulesUploadForm
from qunguan.web.unit_options import use_plain_unit_options
from qunguan.web.views.common import (
    breach_severity,
    group_or_404,
    paginate,
    query_without,
    require_some_managed_unit,
)
from qunguan.web.views.history import history_rows

SORTS = {
    "name": ("name", "pk"),
    "-name": ("-name", "-pk"),
    "members": ("member_count", "pk"),
    "-members": ("-member_count", "-pk"),
}


# A stand-in id: the detail URL is reversed once per page with it, then each row's id put in.
_URL_ID = 987654321


class _RowHTML:
    """A row of the registry list as HTML, written here rather than by template nodes.

    The row the template wrote, byte for byte (``tests/web/test_hot_page_rows.py`` holds them
    equal): fifty rows of a dozen variables, a ``{% url %}`` and a loop each were more than half
    of the page's time. ``escape`` is what the template's autoescape does to a plain string.
    """

    def __init__(self) -> None:
        self.head, self.tail = reverse("group_detail", args=[_URL_ID]).split(str(_URL_ID))
        self.official = f' <span class="tag tag-official">{escape(_("官方"))}</span>'
        self.none = '<span class="muted">—</span>'

    def of(self, g: Group, breaches: list[Breach]) -> SafeString:
        end = ""
        if g.status == "temporary" and g.end_date:
            end = f'<small class="muted"> 至 {g.end_date:%Y-%m-%d}</small>'
        owner = g.owner.name if g.owner is not None else ""
        badges = "".join(
            [
                f'<span class="badge sev-{escape(breach_severity(b.kind))}" title="{escape(b.detail)}">'
                f"{escape(b.title)}</span>"
                for b in breaches
            ]
        )
        return mark_safe(  # noqa: S308 — every value escaped here
            "\n    <tr>\n"
            f'      <td><a href="{self.head}{g.pk}{self.tail}">{escape(g.name)}</a>'
            f"{self.official if g.is_official else ''}</td>\n"
            f"      <td>{escape(g.get_platform_display())}</td>\n"
            f'      <td class="mono">{escape(g.account)}</td>\n'
            f"      <td>{escape(g.unit.name)}</td>\n"
            f'      <td class="num">{g.member_count}</td>\n'
            f'      <td><span class="status status-{escape(g.status)}">{escape(g.get_status_display())}</span>'
            f"{end}</td>\n"
            f"      <td>{escape(owner) if owner else '—'}</td>\n"
            f"      <td>{badges or self.none}</td>\n"
            "    </tr>\n  "
        )


@login_required
def group_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = GroupFilterForm(request.GET or None, user=user)
    use_plain_unit_options(form.fields["unit"])
    groups = access.visible_groups(user)
    breaches = group_breaches(user, groups)
    qs = groups.select_related("unit", "owner")
    status_filtered = False
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            qs = qs.filter(Q(name__icontains=data["q"]) | Q(account__icontains=data["q"]))
        if data["unit"] is not None:
            qs = qs.filter(unit__path__startswith=data["unit"].path)
        if data["platform"]:
            qs = qs.filter(platform=data["platform"])
        if data["status"]:
            qs = qs.filter(status=data["status"])
            status_filtered = True
        if data["official"]:
            qs = qs.filter(is_official=data["official"] == "yes")
        if data["breach"]:
            qs = qs.filter(pk__in=sorted(breaches.group_ids(data["breach"])))
    if not status_filtered:
        qs = qs.exclude(status=GroupStatus.DISSOLVED)
    sort = request.GET.get("sort", "")
    qs = qs.order_by(*SORTS.get(sort, ("unit__path", "platform", "name")))
    page = paginate(request, qs)
    row = _RowHTML()
    rows = [row.of(g, breaches.for_group(g.pk)) for g in page.object_list]
    return render(
        request,
        "web/group_list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "sort": sort,
            "query": query_without(request, "page"),
            "sort_query": query_without(request, "page", "sort"),
            "can_register": access.managed_units(user).exists(),
            "checked_at": breaches.checked_at,
        },
    )


def _contact(person: Any, show: bool) -> str:
    if person is None:
        return ""
    if show:
        return " ".join(x for x in (person.phone, person.email) if x)
    return mask_contact(person.phone, person.email)


@login_required
def group_detail(request: HttpRequest, group_id: int) -> HttpResponse:
    user = request.user
    group = group_or_404(user, group_id)
    show = access.can_see_personal_data(user, group.unit)
    admins = list(group.admins.select_related("unit").order_by("name"))
    breaches = [
        {"b": b, "severity": breach_severity(b.kind)}
        for b in run_checks(access.visible_groups(user).filter(unit=group.unit))
        if b.group_id == group.pk
    ]
    history = history_rows(user, entries_for("group", group.pk)[:100], [group.owner, *admins])
    can_manage = access.can_manage_unit(user, group.unit)
    return render(
        request,
        "web/group_detail.html",
        {
            "group": group,
            "owner_contact": _contact(group.owner, show),
            "admins": [{"person": p, "contact": _contact(p, show)} for p in admins],
            "breaches": breaches,
            "approvals": group.approvals.select_related("approved_by").order_by("-created_at"),
            "history": history,
            "can_manage": can_manage,
            "dissolve_form": DissolveForm() if can_manage else None,
            "rules_form": RulesUploadForm() if can_manage else None,
            "rules_name": PurePosixPath(group.rules_document.name).name if group.rules_document else "",
        },
    )


@login_required
def group_register(request: HttpRequest) -> HttpResponse:
    user = request.user
    require_some_managed_unit(user)
    form = GroupForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        data, admins = form.action_data()
        try:
            group = do_register_group(user, admins=admins, **data)
        except RegistryError as err:
            form.add_registry_error(err)
        else:
            messages.success(request, _("已登记群组“%(name)s”。") % {"name": group.name})
            return redirect("group_detail", group_id=group.pk)
    return render(request, "web/group_form.html", {"form": form, "group": None})


@login_required
def group_edit(request: HttpRequest, group_id: int) -> HttpResponse:
    user = request.user
    group = group_or_404(user, group_id, manage=True)
    form = GroupForm(request.POST or None, user=user, group=group)
    if request.method == "POST" and form.is_valid():
        data, admins = form.action_data()
        try:
            do_update_group(user, group, admins=admins, **data)
        except RegistryError as err:
            form.add_registry_error(err)
        else:
            messages.success(request, _("已保存对群组“%(name)s”的修改。") % {"name": group.name})
            return redirect("group_detail", group_id=group.pk)
    return render(request, "web/group_form.html", {"form": form, "group": group})


@require_POST
@login_required
def group_dissolve(request: HttpRequest, group_id: int) -> HttpResponse:
    user = request.user
    group = group_or_404(user, group_id, manage=True)
    form = DissolveForm(request.POST)
    if group.status == GroupStatus.DISSOLVED:
        messages.info(request, _("该群组已经解散。"))
    elif form.is_valid():
        try:
            do_dissolve_group(user, group, on=form.cleaned_data["on"], reason=form.cleaned_data["reason"])
        except RegistryError as err:
            messages.error(request, err.message)
        else:
            messages.success(request, _("已将群组“%(name)s”标记为解散。") % {"name": group.name})
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("group_detail", group_id=group.pk)


@login_required
def group_rules_upload(request: HttpRequest, group_id: int) -> HttpResponse:
    user = request.user
    group = group_or_404(user, group_id, manage=True)
    form = RulesUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            do_upload_group_rules(user, group, form.cleaned_data["document"])
        except RegistryError as err:
            form.add_error("document", err.message)
        else:
            messages.success(request, _("已上传群组“%(name)s”的管理办法。") % {"name": group.name})
            return redirect("group_detail", group_id=group.pk)
    return render(request, "web/group_rules.html", {"form": form, "group": group})


@login_required
def group_rules_download(request: HttpRequest, group_id: int) -> FileResponse:
    """Serve the rules document to those who may see the group (uploads are never public)."""
    group = group_or_404(request.user, group_id)
    if not group.rules_document:
        raise Http404("该群组还没有上传管理办法。")
    try:
        handle = group.rules_document.open("rb")
    except FileNotFoundError:
        raise Http404("管理办法文件已丢失，请重新上传。") from None
    return FileResponse(handle, as_attachment=True, filename=PurePosixPath(group.rules_document.name).name)
