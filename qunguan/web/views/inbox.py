"""站内信 (inbox) and 通知设置 (notification preferences): each person sees only their own."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from qunguan.notify import access, prefs
from qunguan.notify.actions import do_mark_all_read, do_mark_read, do_set_preferences
from qunguan.notify.channels import CHANNELS
from qunguan.notify.models import Notification
from qunguan.registry.access import NotFound
from qunguan.registry.errors import RegistryError
from qunguan.web.views.common import paginate, query_without


def _notification_or_404(user: Any, notification_id: int) -> Notification:
    try:
        return access.access_notification(user, notification_id)
    except NotFound:
        raise Http404("通知不存在。") from None


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    items = access.visible_notifications(request.user)
    unread_only = request.GET.get("unread") == "1"
    if unread_only:
        items = items.filter(read_at__isnull=True)
    page = paginate(request, items)
    return render(
        request,
        "web/inbox.html",
        {
            "page": page,
            "unread_only": unread_only,
            "query": query_without(request, "page"),
            "unread": access.unread_count(request.user),
        },
    )


@login_required
def inbox_detail(request: HttpRequest, notification_id: int) -> HttpResponse:
    notification = _notification_or_404(request.user, notification_id)
    # Opening a notice reads it, as in any mail client.
    do_mark_read(request.user, notification)
    local_link = notification.link if _is_local(request, notification.link) else ""
    return render(
        request,
        "web/inbox_detail.html",
        {
            "item": notification,
            "local_link": local_link,
            "deliveries": [
                (CHANNELS[d.channel].label if d.channel in CHANNELS else d.channel, d)
                for d in notification.deliveries.all()
            ],
        },
    )


@login_required
@require_POST
def inbox_mark_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    do_mark_read(request.user, _notification_or_404(request.user, notification_id))
    return redirect("inbox")


@login_required
@require_POST
def inbox_mark_all_read(request: HttpRequest) -> HttpResponse:
    count = do_mark_all_read(request.user)
    messages.success(request, f"已将 {count} 条通知标为已读。")
    return redirect("inbox")


class PreferencesForm(forms.Form):
    channels = forms.MultipleChoiceField(
        label="接收渠道", required=False, widget=forms.CheckboxSelectMultiple, choices=()
    )
    email = forms.CharField(label="接收邮箱", required=False, max_length=254)
    wecom_webhook = forms.CharField(
        label="企业微信群机器人地址",
        required=False,
        max_length=500,
        help_text="在企业微信群里添加“群机器人”后复制的 Webhook 地址。",
    )
    qq = forms.CharField(label="QQ号", required=False, max_length=16, help_text="由群管机器人私聊发送。")
    medium_immediate = forms.BooleanField(
        label="“较重要”的通知也立即发送（默认并入每日汇总）", required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channels"].choices = [  # type: ignore[attr-defined]
            (name, channel.label) for name, channel in CHANNELS.items() if not channel.always_on
        ]


@login_required
def notify_prefs(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        form = PreferencesForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                do_set_preferences(
                    user,
                    user,
                    channels=data["channels"],
                    email=data["email"],
                    wecom_webhook=data["wecom_webhook"],
                    qq=data["qq"],
                    medium_immediate=data["medium_immediate"],
                )
            except RegistryError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, "通知设置已保存。")
                return redirect("notify_prefs")
    else:
        chosen = prefs.resolve(user)
        form = PreferencesForm(
            initial={
                "channels": [c for c in chosen.channels if not CHANNELS[c].always_on],
                "email": chosen.addresses.get("email", "") or prefs.default_email(user),
                "wecom_webhook": chosen.addresses.get("wecom", ""),
                "qq": chosen.addresses.get("qq", ""),
                "medium_immediate": chosen.medium_immediate,
            }
        )
    unavailable = {name: c.unconfigured_reason() for name, c in CHANNELS.items() if c.unconfigured_reason()}
    return render(request, "web/notify_prefs.html", {"form": form, "unavailable": unavailable})


def _is_local(request: HttpRequest, link: str) -> bool:
    """Return True for a link into this site (only those are offered as buttons)."""
    return bool(link) and url_has_allowed_host_and_scheme(
        link, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
