"""Making a delivery that failed after its retries, the way it happens: a QQ private message the
bot cannot send (the gateway's sender raises), with one attempt allowed."""

from __future__ import annotations

from typing import Any

from django.test import override_settings

from qunguan.notify.actions import do_notify, do_set_preferences
from qunguan.notify.channels.qq.transport import current_sender, register_sender
from qunguan.notify.delivery import attempt
from qunguan.notify.models import Delivery, DeliveryState, Preference


def refuse(qq: str, text: str) -> None:
    """A gateway sender whose bot is refused: QQ says the account is no friend of the bot."""
    raise RuntimeError("retcode=100 对方不是机器人的好友")


def failed_delivery(recipient: Any, subject: str = "群内出现身份证号", qq: str = "123456789") -> Delivery:
    """Return a QQ delivery to ``recipient`` that failed for good (state failed, one attempt)."""
    saved = Preference.objects.filter(user=recipient).first()
    if saved is None or "qq" not in saved.channels:
        do_set_preferences(recipient, recipient, channels=["qq"], qq=qq)
    (notice,) = do_notify([recipient], subject=subject, body="请尽快处理。", severity="high")
    delivery = Delivery.objects.get(notification=notice, channel="qq")
    before = current_sender()
    register_sender(refuse)
    try:
        with override_settings(QUNGUAN_NOTIFY_MAX_ATTEMPTS=1):
            state = attempt(Delivery.objects.select_related("notification").get(pk=delivery.pk))
    finally:
        register_sender(before)
    assert state == DeliveryState.FAILED, state
    return Delivery.objects.get(pk=delivery.pk)
