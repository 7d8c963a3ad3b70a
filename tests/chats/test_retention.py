"""Message retention: bodies past the period are purged; findings, cases and the index stay true."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from qunguan.audit.mask import is_message_level
from qunguan.auditlog.events import AuditEvent
from qunguan.auditlog.models import AuditLogEntry
from qunguan.chats import cases, privacy, search
from qunguan.chats.actions import do_import_chat_file
from qunguan.chats.models import Case, CaseEntry, ChatMessage, Finding
from qunguan.chats.retention import PURGED_NOTICE, do_purge_expired_messages

GROUP_A = "600100200"
ID_NUMBER = "11010519491231002X"
BEIJING = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2025, 3, 1, 3, 30, tzinfo=BEIJING)  # 180 days after 2024-09-02 is 2025-03-01


@pytest.fixture
def stored(cast, chat_file):
    """Three messages of 作曲系教职工群: two sent in September 2024, one in February 2025."""
    do_import_chat_file(
        None,
        chat_file(
            f"2024-09-01T09:00:00|{GROUP_A}|10001001|王建国|会议改到下午三点|m-old",
            f"2024-09-01T09:10:00|{GROUP_A}|10001010|赵四|我的身份证号是{ID_NUMBER}|m-id",
            f"2025-02-20T10:00:00|{GROUP_A}|10001002|李芳|明天的会议照常举行|m-new",
        ),
    )
    return {m.message_id: m for m in ChatMessage.objects.all()}


def purged_ids() -> set[str]:
    return set(ChatMessage.objects.filter(purged_at__isnull=False).values_list("message_id", flat=True))


def test_messages_past_the_retention_period_lose_their_text_and_are_marked_purged(stored):
    result = do_purge_expired_messages(NOW, days=180)
    assert (result.messages, result.cutoff) == (2, NOW - dt.timedelta(days=180))
    assert purged_ids() == {"m-old", "m-id"}
    old = ChatMessage.objects.get(message_id="m-old")
    assert (old.text, old.purged_at) == ("", NOW)
    # the message keeps its place in the conversation: time, sender, group
    assert (old.sender_name, old.group_id, old.sent_at) == (
        "王建国",
        stored["m-old"].group_id,
        stored["m-old"].sent_at,
    )
    assert ChatMessage.objects.get(message_id="m-new").text == "明天的会议照常举行"


def test_the_purge_is_logged_once_with_its_count_and_running_it_again_changes_nothing(stored):
    do_purge_expired_messages(NOW, days=180)
    entry = AuditLogEntry.objects.get(event_type=AuditEvent.MESSAGES_PURGED)
    assert entry.summary.startswith("按保留期限清除了 2 条消息的内容")
    assert entry.after["messages"] == 2
    again = do_purge_expired_messages(NOW + dt.timedelta(hours=1), days=180)
    assert again.messages == 0
    assert AuditLogEntry.objects.filter(event_type=AuditEvent.MESSAGES_PURGED).count() == 1
    assert ChatMessage.objects.get(message_id="m-old").purged_at == NOW  # not touched twice


def test_the_setting_decides_the_period_and_zero_keeps_messages_forever(stored, settings):
    settings.QUNGUAN_MESSAGE_RETENTION_DAYS = 0
    assert do_purge_expired_messages(NOW).cutoff is None
    assert purged_ids() == set()
    assert not AuditLogEntry.objects.filter(event_type=AuditEvent.MESSAGES_PURGED).exists()
    settings.QUNGUAN_MESSAGE_RETENTION_DAYS = 7
    assert do_purge_expired_messages(NOW).messages == 3


def test_findings_and_cases_keep_masked_evidence_and_no_field_keeps_the_body(cast, stored):
    finding = Finding.objects.get(category="privacy.id_card")
    case = cases.do_open_case(cast.manager_a, finding, note="批评教育")
    do_purge_expired_messages(NOW, days=180)
    finding.refresh_from_db()
    assert ID_NUMBER not in finding.evidence
    assert "*" in finding.evidence
    assert (finding.category, finding.start, finding.end) == ("privacy.id_card", 7, 25)
    raw = "我的身份证号是"
    for f in Finding.objects.all():
        assert ID_NUMBER not in f.evidence + f.explanation + f.note
        assert raw + ID_NUMBER not in f.evidence
    case = Case.objects.get(pk=case.pk)
    assert list(case.findings.all()) == [finding]
    for e in CaseEntry.objects.filter(case=case):
        assert ID_NUMBER not in e.text
    assert ID_NUMBER not in case.title


def test_a_whole_message_finding_keeps_its_masked_quote(cast, chat_file):
    do_import_chat_file(
        None,
        chat_file(
            f"2024-09-01T09:00:00|{GROUP_A}|30003001|路人|大家都去转发扩散这个消息，听说学校要裁员了 打我电话13812345678|u-rumor"
        ),
    )
    whole = [f for f in Finding.objects.all() if is_message_level(f.category, f.rule)]
    assert whole, "a rumour is judged on the whole message"
    shown = {f.pk: privacy.shown_evidence(f, f.message.findings.all()) for f in whole}
    do_purge_expired_messages(NOW, days=180)
    for f in Finding.objects.filter(pk__in=shown).select_related("message"):
        assert f.message.text == ""
        assert privacy.shown_evidence(f, f.message.findings.all()) == f.evidence == shown[f.pk]
        assert "13812345678" not in f.evidence


def test_the_review_page_says_the_content_was_purged(cast, stored):
    finding = Finding.objects.get(category="privacy.id_card")
    do_purge_expired_messages(NOW, days=180)
    client = Client()
    client.force_login(cast.manager_a, backend="django.contrib.auth.backends.ModelBackend")
    page = client.get(reverse("review_detail", args=[finding.pk])).content.decode()
    assert PURGED_NOTICE in page
    assert ID_NUMBER not in page


def test_the_search_index_follows_the_purge(cast, stored):
    search.catch_up()  # the old messages are in the index before the purge
    assert [m.message_id for m in search.search_messages(cast.supervisor, "会议改到下午")] == ["m-old"]
    do_purge_expired_messages(NOW, days=180)
    assert list(search.search_messages(cast.supervisor, "会议改到下午")) == []
    assert [m.message_id for m in search.search_messages(cast.supervisor, "会议照常")] == ["m-new"]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM chats_message_fts WHERE chats_message_fts MATCH '会议改到下午'"
            )
            assert cursor.fetchone()[0] == 0
            # the FTS5 index is still consistent with its content table
            cursor.execute(
                "INSERT INTO chats_message_fts(chats_message_fts, rank) VALUES ('integrity-check', 1)"
            )


def test_handled_gateway_events_older_than_the_period_lose_their_payload(stored):
    from qunguan.gateway.models import InboxEvent, InboxState

    old = InboxEvent.objects.create(self_id="1", post_type="message", payload='{"raw_message": "会议"}')
    pending = InboxEvent.objects.create(self_id="1", post_type="message", payload='{"raw_message": "待办"}')
    InboxEvent.objects.filter(pk=old.pk).update(
        state=InboxState.DONE, received_at=NOW - dt.timedelta(days=200)
    )
    InboxEvent.objects.filter(pk=pending.pk).update(received_at=NOW - dt.timedelta(days=200))
    assert do_purge_expired_messages(NOW, days=180).inbox_events == 1
    assert InboxEvent.objects.get(pk=old.pk).payload == ""
    assert InboxEvent.objects.get(pk=pending.pk).payload == '{"raw_message": "待办"}'
