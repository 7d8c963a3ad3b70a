"""花名册: the roster in the user's scope (contacts masked), and the two-step CSV/XLSX import.

The import runs in two steps — preview, then confirm. The uploaded file waits in a private
staging folder under the data directory, named by a random token kept in the user's session;
the confirm step never takes a path or a name from the request.
"""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qunguan.registry import access, imports
from qunguan.registry.errors import RegistryError
from qunguan.registry.masking import mask_email, mask_phone
from qunguan.web.forms import PeopleFilterForm, RosterUploadForm
from qunguan.web.views.common import paginate, query_without, require_some_managed_unit

SESSION_KEY = "qunguan_roster_import"
STAGING_MAX_AGE_S = 24 * 3600
TOKEN_RE = re.compile(r"^[0-9a-f]{32}$")


@login_required
def roster_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = PeopleFilterForm(request.GET or None, user=user)
    people = access.visible_people(user).select_related("unit")
    if form.is_valid():
        q = form.cleaned_data["q"]
        if q:
            people = people.filter(Q(name__icontains=q) | Q(number__icontains=q))
        unit = form.cleaned_data["unit"]
        if unit is not None:
            people = people.filter(unit__path__startswith=unit.path)
    page = paginate(request, people.order_by("unit__path", "number"))
    rows = []
    for person in page.object_list:
        show = access.can_see_personal_data(user, person.unit)
        rows.append(
            {
                "person": person,
                "phone": person.phone if show else mask_phone(person.phone) if person.phone else "",
                "email": person.email if show else mask_email(person.email) if person.email else "",
            }
        )
    return render(
        request,
        "web/roster_list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "query": query_without(request, "page"),
            "can_import": access.managed_units(user).exists(),
        },
    )


def _staging_dir() -> Path:
    path = Path(settings.DATA_DIR) / "import-staging"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    now = time.time()
    for old in path.iterdir():
        try:
            if now - old.stat().st_mtime > STAGING_MAX_AGE_S:
                old.unlink()
        except OSError:
            continue  # another request removed it first
    return path


def _staged(request: HttpRequest) -> tuple[Path, str] | None:
    """Return (path, original filename) of this session's staged upload, if it is still there."""
    data = request.session.get(SESSION_KEY)
    if not isinstance(data, dict):
        return None
    token, ext, filename = data.get("token", ""), data.get("ext", ""), data.get("filename", "")
    if not TOKEN_RE.match(str(token)) or ext not in {"csv", "xlsx"}:
        return None
    path = _staging_dir() / f"{token}.{ext}"
    return (path, str(filename)) if path.is_file() else None


def _discard(request: HttpRequest) -> None:
    staged = _staged(request)
    if staged is not None:
        staged[0].unlink(missing_ok=True)
    request.session.pop(SESSION_KEY, None)


def _preview(report: Any) -> tuple[list[str], list[list[Any]]]:
    """Return (headers, rows) of the preview table: line, planned action (新增/更新/无变化), the cells."""
    columns = list(getattr(report, "columns", []) or [])
    rows = [
        [row.line, row.action, *(row.values.get(c, "") for c in columns)]
        for row in getattr(report, "preview", []) or []
    ]
    return ["行号", "操作", *columns], rows


@login_required
def roster_import(request: HttpRequest) -> HttpResponse:
    user = request.user
    require_some_managed_unit(user)
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"form": form}
    if request.method == "POST" and form.is_valid():
        _discard(request)
        upload = form.cleaned_data["file"]
        filename = Path(upload.name or "roster").name
        ext = filename.rsplit(".", 1)[-1].lower()
        token = secrets.token_hex(16)
        path = _staging_dir() / f"{token}.{ext}"
        with path.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        path.chmod(0o600)
        with path.open("rb") as fileobj:
            report = imports.parse_roster(fileobj, filename, user)
        errors = list(report.errors)
        if errors:
            path.unlink(missing_ok=True)
        else:
            request.session[SESSION_KEY] = {"token": token, "ext": ext, "filename": filename}
        headers, rows = _preview(report)
        context.update(
            {
                "report": report,
                "errors": errors,
                "filename": filename,
                "preview_headers": headers,
                "preview_rows": rows,
                "summary": report.summary(),
                "staged": not errors,
            }
        )
    return render(request, "web/roster_import.html", context)


@require_POST
@login_required
def roster_import_confirm(request: HttpRequest) -> HttpResponse:
    user = request.user
    require_some_managed_unit(user)
    staged = _staged(request)
    if staged is None:
        messages.error(request, _("没有待导入的文件，或文件已过期，请重新上传。"))
        return redirect("roster_import")
    if request.POST.get("cancel"):
        _discard(request)
        messages.info(request, _("已取消导入。"))
        return redirect("roster_import")
    path, filename = staged
    try:
        with path.open("rb") as fileobj:
            report = imports.import_roster(user, fileobj, filename)
    except RegistryError as err:
        messages.error(request, err.message)
        return redirect("roster_import")
    finally:
        _discard(request)
    errors = list(report.errors)
    if errors:
        messages.error(
            request, _("文件有 %(n)d 处错误，未导入任何数据，请修改后重新上传。") % {"n": len(errors)}
        )
        return render(
            request,
            "web/roster_import.html",
            {"form": RosterUploadForm(), "errors": errors, "filename": filename},
        )
    messages.success(request, report.summary())
    return redirect("roster_list")
