"""The caller's notifications over the API: the inbox (站内信), its unread count, marking read,
notification preferences (通知设置); and, for 宣传部 and unit liaisons, the deliveries that failed
after their retries (发送失败) with 重新发送.

A person reads only their own inbox (``notify.access``); another's notice is 404 like a missing one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from qunguan.api.routers import ERRORS, WRITE_ERRORS, actor
from qunguan.api.schemas import MAX_OFFSET
from qunguan.notify import access, prefs
from qunguan.notify.actions import do_mark_all_read, do_mark_read, do_resend_delivery, do_set_preferences
from qunguan.notify.channels import CHANNELS
from qunguan.notify.failures import failed_row
from qunguan.notify.models import Notification, Preference
from qunguan.registry.errors import OUT_OF_SCOPE, RegistryError

router = Router(tags=["notifications 站内信"])


class NotificationOut(Schema):
    id: int
    subject: str
    body: str
    severity: str
    severity_label: str
    link: str
    created_at: dt.datetime
    read_at: dt.datetime | None


class NotificationPage(Schema):
    total: int
    unread: int
    limit: int
    offset: int
    items: list[NotificationOut]


class NotificationFilters(Schema):
    unread: bool = Field(False, description="只看未读")
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class UnreadOut(Schema):
    unread: int


class ReadAllOut(Schema):
    changed: int = Field(description="本次标为已读的条数")


class ChannelOut(Schema):
    name: str
    label: str
    chosen: bool


class PreferencesOut(Schema):
    channels: list[ChannelOut]
    email: str
    wecom_webhook_set: bool = Field(description="是否已设置企业微信群机器人地址（地址含密钥，不返回）")
    qq: str
    medium_immediate: bool


class PreferencesIn(Schema):
    channels: list[str] = Field(description="接收渠道：inbox、email、wecom、qq（站内信总会保留）")
    email: str = Field("", max_length=254)
    wecom_webhook: str = Field("", max_length=500, description="留空：保持已设置的地址")
    qq: str = Field("", max_length=16)
    medium_immediate: bool = False


class FailedDeliveryOut(Schema):
    id: int
    channel: str
    channel_label: str
    recipient: str
    address: str = Field(description="已脱敏的地址")
    subject: str
    error: str
    attempts: int
    created_at: dt.datetime


def _notification(n: Notification) -> dict[str, Any]:
    return {
        "id": n.pk,
        "subject": n.subject,
        "body": n.body,
        "severity": n.severity,
        "severity_label": n.get_severity_display(),
        "link": n.link,
        "created_at": n.created_at,
        "read_at": n.read_at,
    }


def _preferences(user: Any) -> dict[str, Any]:
    chosen = prefs.resolve(user)
    saved = Preference.objects.filter(user=user).first()
    return {
        "channels": [
            {"name": name, "label": c.label, "chosen": name in chosen.channels}
            for name, c in CHANNELS.items()
        ],
        "email": chosen.addresses.get("email", ""),
        "wecom_webhook_set": bool(saved and saved.wecom_webhook),
        "qq": saved.qq if saved else "",
        "medium_immediate": chosen.medium_immediate,
    }


@router.get("", response={200: NotificationPage, **ERRORS}, summary="我的站内信")
def list_notifications(request: HttpRequest, filters: Query[NotificationFilters]) -> Any:
    user = actor(request)
    items = access.visible_notifications(user)
    if filters.unread:
        items = items.filter(read_at__isnull=True)
    return {
        "total": items.count(),
        "unread": access.unread_count(user),
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [_notification(n) for n in items[filters.offset : filters.offset + filters.limit]],
    }


@router.get("/unread-count", response={200: UnreadOut, **ERRORS}, summary="未读通知数")
def unread_count(request: HttpRequest) -> Any:
    return {"unread": access.unread_count(actor(request))}


@router.post("/read-all", response={200: ReadAllOut, **WRITE_ERRORS}, summary="全部标为已读")
def mark_all_read(request: HttpRequest) -> Any:
    return {"changed": do_mark_all_read(actor(request))}


@router.get("/preferences", response={200: PreferencesOut, **ERRORS}, summary="我的通知设置")
def get_preferences(request: HttpRequest) -> Any:
    return _preferences(actor(request))


@router.put("/preferences", response={200: PreferencesOut, **WRITE_ERRORS}, summary="修改通知设置")
def put_preferences(request: HttpRequest, payload: PreferencesIn) -> Any:
    """Save the caller's channels and addresses; an empty robot address keeps the one set."""
    user = actor(request)
    webhook = payload.wecom_webhook
    if not webhook.strip():
        saved = Preference.objects.filter(user=user).first()
        webhook = saved.wecom_webhook if saved else ""
    do_set_preferences(
        user,
        user,
        channels=payload.channels,
        email=payload.email,
        wecom_webhook=webhook,
        qq=payload.qq,
        medium_immediate=payload.medium_immediate,
    )
    return _preferences(user)


@router.get(
    "/failed-deliveries",
    response={200: list[FailedDeliveryOut], **ERRORS},
    summary="发送失败的通知（宣传部、单位联络人）",
)
def failed_deliveries(request: HttpRequest) -> Any:
    user = actor(request)
    if not access.may_see_failed_deliveries(user):
        raise RegistryError(OUT_OF_SCOPE, "只有党委宣传部和单位联络人可以查看发送失败的通知。")
    return [asdict(failed_row(d)) for d in access.visible_failed_deliveries(user)[:500]]


@router.post(
    "/failed-deliveries/{delivery_id}/resend",
    response={200: FailedDeliveryOut, **WRITE_ERRORS},
    summary="重新发送",
)
def resend(request: HttpRequest, delivery_id: int) -> Any:
    user = actor(request)
    if not access.may_see_failed_deliveries(user):
        raise RegistryError(OUT_OF_SCOPE, "只有党委宣传部和单位联络人可以重新发送通知。")
    delivery = access.access_failed_delivery(user, delivery_id)
    row = asdict(failed_row(delivery))
    resent = do_resend_delivery(user, delivery)
    return {**row, "attempts": resent.attempts, "error": resent.error}


@router.get("/{notification_id}", response={200: NotificationOut, **ERRORS}, summary="一条通知")
def get_notification(request: HttpRequest, notification_id: int) -> Any:
    return _notification(access.access_notification(actor(request), notification_id))


@router.post("/{notification_id}/read", response={200: NotificationOut, **WRITE_ERRORS}, summary="标为已读")
def mark_read(request: HttpRequest, notification_id: int) -> Any:
    user = actor(request)
    return _notification(do_mark_read(user, access.access_notification(user, notification_id)))
