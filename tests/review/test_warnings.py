"""Warning a sender: recorded on the finding and against the sender, pending until the gateway sends it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from qunguan.auditlog.events import AuditEvent
from qunguan.auditlog.models import AuditLogEntry
from qunguan.chats import review as decisions
from qunguan.chats import sender_warnings as warnings
from qunguan.chats.models import FindingStatus, WarningStatus
from qunguan.chats.privacy import pseudonym
from qunguan.registry.errors import RegistryError


def test_warning_an_open_finding_confirms_it_and_leaves_a_pending_warning(review):
    warning = warnings.do_warn_sender(review.reviewer, review.phone)
    assert review.reload(review.phone).status == FindingStatus.CONFIRMED
    assert (warning.status, warning.sender_id, warning.group) == (
        WarningStatus.PENDING,
        "10001011",
        review.cast.group_a,
    )
    assert warning.get_status_display() == "待发送"
    assert warning.text.startswith("【群管提醒】您在“作曲系教职工群”发布的消息涉及")
    entry = AuditLogEntry.objects.order_by("-seq").first()
    assert (entry.event_type, entry.object_type) == (AuditEvent.SENDER_WARNED, "finding")
    assert pseudonym(review.phone.message) in entry.summary
    assert "钱五" not in entry.summary
    assert list(warnings.pending_warnings()) == [warning]


def test_a_dismissed_finding_cannot_be_warned_about(review):
    decisions.do_dismiss_finding(review.reviewer, review.phone)
    with pytest.raises(RegistryError) as err:
        warnings.do_warn_sender(review.reviewer, review.phone)
    assert err.value.message == "该审查发现当前为“误报”，不能警告发送者。"


def test_unit_head_and_sibling_manager_cannot_warn(review):
    for user in (review.cast.head_a, review.cast.manager_b):
        with pytest.raises(RegistryError):
            warnings.do_warn_sender(user, review.phone)
    assert not warnings.pending_warnings().exists()


def test_the_gateway_reports_delivery(review):
    sent = warnings.do_warn_sender(review.reviewer, review.phone, text="请勿在工作群发布个人电话。")
    failed = warnings.do_warn_sender(review.reviewer, review.id_card)
    warnings.do_record_warning_delivery(None, sent, ok=True)
    warnings.do_record_warning_delivery(None, failed, ok=False, error="机器人不在该群")
    sent.refresh_from_db()
    failed.refresh_from_db()
    assert (sent.status, sent.delivered_at is not None) == (WarningStatus.SENT, True)
    assert (failed.status, failed.delivery_error) == (WarningStatus.FAILED, "机器人不在该群")
    assert not warnings.pending_warnings().exists()
    assert AuditLogEntry.objects.filter(event_type=AuditEvent.WARNING_DELIVERED).count() == 2


def test_warnings_are_counted_per_sender_and_period(review):
    warnings.do_warn_sender(review.reviewer, review.phone)
    warnings.do_warn_sender(review.reviewer, review.phone, text="第二次提醒")
    warnings.do_warn_sender(review.reviewer, review.id_card)
    week_ago = timezone.now() - dt.timedelta(days=7)
    counts = warnings.warning_counts(review.cast.manager_a, week_ago)
    assert [(c.pseudonym, c.count) for c in counts] == [
        (pseudonym(review.phone.message), 2),
        (pseudonym(review.id_card.message), 1),
    ]
    assert warnings.warning_counts(review.cast.manager_a, timezone.now() + dt.timedelta(days=1)) == []
    assert warnings.warning_counts(review.cast.manager_b, week_ago) == []
    assert warnings.warnings_of_sender(review.reviewer, review.phone.message) == 2
