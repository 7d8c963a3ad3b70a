"""发送失败 (failed deliveries): the list for 宣传部 and a unit's liaison, and 重新发送.

Parse, access, act, render: the rows come through ``access.visible_failed_deliveries`` and a
resend through ``actions.do_resend_delivery``.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from qunguan.notify import access
from qunguan.notify.actions import do_resend_delivery
from qunguan.notify.failures import failed_row
from qunguan.registry.access import NotFound
from qunguan.registry.errors import RegistryError
from qunguan.web.views.common import paginate


def _require_page(request: HttpRequest) -> None:
    if not access.may_see_failed_deliveries(request.user):
        raise PermissionDenied("只有党委宣传部和单位联络人可以查看发送失败的通知。")


@login_required
def failed_deliveries(request: HttpRequest) -> HttpResponse:
    """The deliveries that failed after their retries, newest first, with 重新发送."""
    _require_page(request)
    page = paginate(request, access.visible_failed_deliveries(request.user))
    return render(
        request,
        "notify/failed_deliveries.html",
        {"page": page, "rows": [failed_row(d) for d in page.object_list]},
    )


@login_required
@require_POST
def resend_delivery(request: HttpRequest, delivery_id: int) -> HttpResponse:
    _require_page(request)
    try:
        delivery = access.access_failed_delivery(request.user, delivery_id)
    except NotFound:
        raise Http404("发送记录不存在，或已重新发送。") from None
    try:
        do_resend_delivery(request.user, delivery)
    except RegistryError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已重新加入发送队列。")
    return redirect("failed_deliveries")
