"""群成员: a group's latest member list with its real-name summary, the import, the removal list download."""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from qunguan.members.actions import MemberImportError, do_export_removals, do_import_members, latest_snapshot
from qunguan.members.formats import FORMATS
from qunguan.members.models import MatchStatus, MemberFormat
from qunguan.members.removals import COLUMNS, removal_rows
from qunguan.registry import access
from qunguan.registry.errors import RegistryError
from qunguan.web.views.common import group_or_404

# Shown at most on the page; the download carries the whole list.
PAGE_ROWS = 200


def _page(request: HttpRequest, group_id: int, problems: list[str] | None = None) -> HttpResponse:
    user = request.user
    group = group_or_404(user, group_id)
    snapshot = latest_snapshot(group)
    counts: list[dict[str, object]] = []
    rows: list[list[str]] = []
    robots = 0
    if snapshot is not None:
        members = snapshot.members.all()
        by_status = {s.value: 0 for s in MatchStatus}
        for status, is_robot in members.values_list("status", "is_robot"):
            if is_robot:
                robots += 1
            else:
                by_status[status] += 1
        counts = [{"status": s.value, "label": s.label, "count": by_status[s.value]} for s in MatchStatus]
        reveal = access.can_see_personal_data(user, group.unit)
        rows = [[r[c] for c in COLUMNS] for r in removal_rows(snapshot, reveal=reveal)]
    can_manage = access.can_manage_unit(user, group.unit)
    return render(
        request,
        "web/group_members.html",
        {
            "group": group,
            "snapshot": snapshot,
            "counts": counts,
            "robots": robots,
            "columns": COLUMNS,
            "rows": rows[:PAGE_ROWS],
            "more": max(len(rows) - PAGE_ROWS, 0),
            "history": group.member_snapshots.select_related("actor").order_by("-taken_at", "-pk")[:20],
            "can_manage": can_manage,
            "formats": [(name, MemberFormat(name).label) for name in FORMATS],
            "problems": problems or [],
        },
        status=400 if problems else 200,
    )


@login_required
def group_members(request: HttpRequest, group_id: int) -> HttpResponse:
    return _page(request, group_id)


@require_POST
@login_required
def group_members_import(request: HttpRequest, group_id: int) -> HttpResponse:
    user = request.user
    group = group_or_404(user, group_id, manage=True)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "请选择成员名单文件。")
        return redirect("group_members", group_id=group.pk)
    fmt = request.POST.get("format") or None
    if fmt is not None and fmt not in FORMATS:
        raise Http404("不支持的成员名单格式。")
    try:
        outcome = do_import_members(user, group, upload, filename=upload.name, fmt=fmt)
    except MemberImportError as exc:
        messages.error(request, exc.message)
        return _page(request, group.pk, exc.problems)
    except RegistryError as exc:
        messages.error(request, exc.message)
        return redirect("group_members", group_id=group.pk)
    messages.success(request, outcome.summary())
    return redirect("group_members", group_id=group.pk)


@login_required
def group_removals_download(request: HttpRequest, group_id: int, fmt: str) -> FileResponse:
    """Serve the removal list to anyone who sees the group, masked unless they may see personal data."""
    group = group_or_404(request.user, group_id)
    try:
        filename, content = do_export_removals(request.user, group, fmt)
    except RegistryError as exc:
        if exc.code == "out_of_scope":
            raise PermissionDenied(exc.message) from None
        raise Http404(exc.message) from None
    return FileResponse(io.BytesIO(content), as_attachment=True, filename=filename)
