"""The audit log and the notices: no raw ID, phone or bank card number in what they keep or send."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from qunguan.auditlog import log
from qunguan.auditlog.events import AuditEvent
from qunguan.auditlog.log import verify
from qunguan.auditlog.models import AuditLogEntry
from qunguan.gateway.actions import do_post_announcement, do_set_member_card
from qunguan.gateway.models import BotGroup
from qunguan.notify.actions import do_notify
from qunguan.notify.models import Notification
from tests.privacy.conftest import BANK_CARD, BANK_CARD_MASKED, ID_MASKED, ID_NUMBER, PHONE, PHONE_MASKED


def _bot_in_group_a(cast):
    BotGroup.objects.create(
        self_id="10001", account="600100200", group=cast.group_a, synced_at=timezone.now()
    )


def test_an_announcement_quoting_a_phone_is_logged_masked(cast):
    _bot_in_group_a(cast)
    do_post_announcement(cast.manager_a, cast.group_a, text=f"报名请联系王老师 {PHONE}")

    entry = AuditLogEntry.objects.get(event_type=AuditEvent.GATEWAY_ANNOUNCEMENT_POSTED)
    assert entry.summary == f"在群“{cast.group_a.name}”发布群公告：报名请联系王老师 {PHONE_MASKED}"
    assert entry.after == {"group": "600100200", "text": f"报名请联系王老师 {PHONE_MASKED}"}


def test_a_card_set_through_the_bot_is_logged_masked_and_the_qq_number_kept(cast):
    _bot_in_group_a(cast)
    do_set_member_card(cast.manager_a, cast.group_a, qq=PHONE, card=f"王建国 身份证{ID_NUMBER}")

    entry = AuditLogEntry.objects.get(event_type=AuditEvent.GATEWAY_CARD_SET)
    # An eleven-digit QQ number is the member's platform id, not a phone: kept.
    assert entry.after == {"group": "600100200", "qq": PHONE, "card": f"王建国 身份证{ID_MASKED}"}
    assert ID_NUMBER not in entry.summary


def test_before_and_after_are_masked_at_any_depth_and_the_chain_verifies(cast):
    with transaction.atomic():
        log.append(
            actor=cast.supervisor,
            event=AuditEvent.GATEWAY_CARD_SET,
            object_type="spec",
            object_id=1,
            summary=f"银行卡 {BANK_CARD}",
            before={"notes": [f"电话 {PHONE}"], "count": 13800138000},
            after={"nested": {"id": ID_NUMBER}},
        )

    entry = AuditLogEntry.objects.get(object_type="spec")
    assert entry.summary == f"银行卡 {BANK_CARD_MASKED}"
    # Numbers that are numbers (counts, ids) are not text anyone typed: kept.
    assert entry.before == {"notes": [f"电话 {PHONE_MASKED}"], "count": 13800138000}
    assert entry.after == {"nested": {"id": ID_MASKED}}
    assert list(verify()) == []


def test_a_notice_quoting_a_join_request_is_stored_masked(cast):
    # Every channel (mail, WeCom, QQ) sends the stored notice's subject and body.
    do_notify(
        [cast.group_admin],
        subject=f"群“作曲系教职工群”有待审核的加群申请 {PHONE}",
        body=f"QQ 900001 申请加入群“作曲系教职工群”，验证信息：我是新生，身份证{ID_NUMBER}，电话{PHONE}。",
        severity="high",
    )

    notice = Notification.objects.get(recipient=cast.group_admin)
    assert (
        notice.body
        == f"QQ 900001 申请加入群“作曲系教职工群”，验证信息：我是新生，身份证{ID_MASKED}，电话{PHONE_MASKED}。"
    )
    assert notice.subject == f"群“作曲系教职工群”有待审核的加群申请 {PHONE_MASKED}"
