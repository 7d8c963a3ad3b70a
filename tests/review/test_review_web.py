"""The review queue through the web UI: scope, actions, pseudonyms, masking, filters, context."""

from __future__ import annotations

import re

from django.test import Client
from django.urls import reverse

from qunguan.auditlog.events import AuditEvent
from qunguan.auditlog.models import AuditLogEntry
from qunguan.chats.models import ChatMessage, Finding, FindingStatus
from qunguan.chats.privacy import pseudonym
from tests.review.conftest import AFTER, BEFORE, ID_NUMBER, PHONE, PHONE_B


def detail(finding):
    return reverse("review_detail", args=[finding.pk])


def act(finding, action):
    return reverse("review_act", args=[finding.pk, action])


def listed_ids(page):
    return [int(x) for x in re.findall(r'data-finding="(\d+)"', page)]


def events(event):
    return AuditLogEntry.objects.filter(event_type=int(event)).count()


# ── scope ─────────────────────────────────────────────────────────────────────────────────


def test_unit_manager_gets_404_for_a_sibling_units_finding(review, client_for):
    client = client_for(review.cast.manager_b)
    response = client.get(detail(review.id_card))
    assert response.status_code == 404
    assert "不在您的管理范围内" in response.text
    assert client.get(reverse("review_detail", args=[999999])).status_code == 404
    assert client.post(act(review.id_card, "dismiss")).status_code == 404
    assert client.post(reverse("review_reveal", args=[review.id_card.pk])).status_code == 404
    assert review.reload(review.id_card).status == FindingStatus.OPEN


def test_unit_manager_lists_only_own_units_findings(review, client_for):
    page = client_for(review.cast.manager_b).get(reverse("review_list")).text
    ids = listed_ids(page)
    assert review.phone_b.pk in ids
    assert review.id_card.pk not in ids
    assert review.abuse_unregistered.pk not in ids


def test_group_admin_sees_only_their_groups_findings(review, client_for):
    client = client_for(review.cast.group_admin)
    ids = listed_ids(client.get(reverse("review_list")).text)
    assert {review.id_card.pk, review.phone.pk} <= set(ids)
    assert review.phone_b.pk not in ids
    assert client.get(detail(review.phone_b)).status_code == 404


def test_supervisor_lists_findings_of_unregistered_groups(review, client_for):
    page = client_for(review.cast.supervisor).get(reverse("review_list")).text
    assert review.abuse_unregistered.pk in listed_ids(page)
    assert "未登记群组：999999999" in page


def test_a_filter_cannot_reach_a_sibling_unit(review, client_for):
    page = client_for(review.cast.manager_a).get(reverse("review_list"), {"unit": review.cast.vocal.pk}).text
    assert review.phone_b.pk not in listed_ids(page)


def test_outsider_has_no_queue_and_no_navigation_item(review, client_for):
    client = client_for(review.cast.outsider)
    assert client.get(reverse("review_list")).status_code == 403
    assert reverse("review_list") not in client.get(reverse("dashboard")).text


def test_navigation_and_dashboard_show_the_open_findings(review, client_for):
    client = client_for(review.reviewer)
    page = client.get(reverse("dashboard")).text
    assert f'href="{reverse("review_list")}"' in page
    figure = re.search(r'id="open-findings" href="([^"]+)"><b>(\d+)</b><span>待处理审查发现', page)
    assert figure is not None
    assert figure.group(1) == reverse("review_list")
    in_queue = client.get(reverse("review_list")).text
    assert int(figure.group(2)) == len(listed_ids(in_queue)) > 0
    client.post(act(review.id_card, "confirm"))
    page = client.get(reverse("dashboard")).text
    assert f"<b>{int(figure.group(2)) - 1}</b><span>待处理审查发现" in page


# ── actions ───────────────────────────────────────────────────────────────────────────────


def test_reviewer_confirms_a_finding_and_moves_on_to_the_next(review, client_for):
    client = client_for(review.reviewer)
    before = events(AuditEvent.FINDING_CONFIRMED)
    response = client.post(act(review.id_card, "confirm"), {"note": "已核实"})
    assert response.status_code == 302
    assert review.reload(review.id_card).status == FindingStatus.CONFIRMED
    assert events(AuditEvent.FINDING_CONFIRMED) == before + 1
    # The ID number is the most severe; the phone number in the same group comes next.
    assert response["Location"].startswith(detail(review.phone))


def test_each_action_through_the_web_logs_exactly_once(review, client_for):
    client = client_for(review.reviewer)
    steps = [
        ("dismiss", {}, FindingStatus.DISMISSED, AuditEvent.FINDING_DISMISSED),
        ("reopen", {}, FindingStatus.OPEN, AuditEvent.FINDING_REOPENED),
        ("escalate", {"note": "请系里处理"}, FindingStatus.ESCALATED, AuditEvent.FINDING_ESCALATED),
    ]
    for action, data, status, event in steps:
        seq = AuditLogEntry.objects.order_by("-seq").first().seq
        assert client.post(act(review.id_card, action), data).status_code == 302
        assert review.reload(review.id_card).status == status
        on_finding = AuditLogEntry.objects.filter(seq__gt=seq, object_type="finding")
        assert [e.event_type for e in on_finding] == [event]
    # Escalating also opened the sender's case in the unit, logged on the case.
    assert AuditLogEntry.objects.order_by("-seq").first().event_type == AuditEvent.CASE_OPENED


def test_escalating_without_a_note_is_refused_with_a_message(review, client_for):
    client = client_for(review.reviewer)
    response = client.post(act(review.id_card, "escalate"), {"note": ""}, follow=True)
    assert "上报时请填写说明。" in response.text
    assert review.reload(review.id_card).status == FindingStatus.OPEN


def test_unit_head_reads_a_finding_but_cannot_act(review, client_for):
    client = client_for(review.cast.head_a)
    page = client.get(detail(review.id_card))
    assert page.status_code == 200
    assert "您只能查看该审查发现，无权处理。" in page.text
    assert 'id="act-confirm"' not in page.text
    assert 'id="reveal"' not in page.text
    for action in ("dismiss", "confirm", "escalate"):
        assert client.post(act(review.id_card, action), {"note": "x"}).status_code == 403
    assert client.post(reverse("review_reveal", args=[review.id_card.pk])).status_code == 403
    bulk = client.post(reverse("review_bulk"), {"action": "dismiss", "finding": [review.id_card.pk]})
    assert bulk.status_code == 403
    assert review.reload(review.id_card).status == FindingStatus.OPEN


def test_actions_need_the_csrf_token(review):
    client = Client(enforce_csrf_checks=True)
    client.force_login(review.reviewer, backend="django.contrib.auth.backends.ModelBackend")
    assert client.post(act(review.id_card, "confirm")).status_code == 403
    assert (
        client.post(reverse("review_bulk"), {"action": "dismiss", "finding": [review.id_card.pk]}).status_code
        == 403
    )
    assert client.post(reverse("review_reveal", args=[review.id_card.pk])).status_code == 403
    assert review.reload(review.id_card).status == FindingStatus.OPEN
    # The page's own forms carry the token.
    assert "csrfmiddlewaretoken" in client.get(detail(review.id_card)).text


def test_unknown_actions_and_get_requests_do_nothing(review, client_for):
    client = client_for(review.reviewer)
    assert client.post(act(review.id_card, "delete")).status_code == 404
    assert client.get(act(review.id_card, "confirm")).status_code == 405
    assert review.reload(review.id_card).status == FindingStatus.OPEN


def test_bulk_dismiss_from_the_list(review, client_for):
    client = client_for(review.reviewer)
    before = events(AuditEvent.FINDING_DISMISSED)
    response = client.post(
        reverse("review_bulk"),
        {"action": "dismiss", "finding": [review.id_card.pk, review.phone.pk], "note": "测试数据"},
        follow=True,
    )
    assert "2 条审查发现已标为误报。" in response.text
    assert review.reload(review.id_card).status == FindingStatus.DISMISSED
    assert review.reload(review.phone).note == "测试数据"
    assert events(AuditEvent.FINDING_DISMISSED) == before + 2
    assert not {review.id_card.pk, review.phone.pk} & set(listed_ids(response.text))


def test_bulk_action_on_a_foreign_finding_is_404_and_changes_nothing(review, client_for):
    response = client_for(review.reviewer).post(
        reverse("review_bulk"), {"action": "dismiss", "finding": [review.id_card.pk, review.phone_b.pk]}
    )
    assert response.status_code == 404
    assert review.reload(review.id_card).status == FindingStatus.OPEN


# ── pseudonyms and masking ───────────────────────────────────────────────────────────────


def test_senders_are_shown_as_stable_pseudonyms_different_per_sender(review, client_for):
    zhao, qian = pseudonym(review.id_card.message), pseudonym(review.phone.message)
    assert re.fullmatch(r"成员-[0-9A-F]{6}", zhao)
    assert zhao != qian
    assert zhao == pseudonym(ChatMessage.objects.get(pk=review.id_card.message_id))
    names = {pseudonym(m) for m in ChatMessage.objects.all()}
    assert len(names) == len({m.sender_id for m in ChatMessage.objects.all()})
    for user in (review.reviewer, review.cast.supervisor, review.cast.manager_a):
        client = client_for(user)
        page = client.get(detail(review.id_card)).text
        assert zhao in page
        assert "赵四" not in page
        assert "10001010" not in page
        assert zhao in client.get(reverse("review_list")).text


def test_revealing_the_sender_is_logged_and_shows_the_name(review, client_for):
    client = client_for(review.reviewer)
    assert 'id="reveal"' in client.get(detail(review.id_card)).text
    before = events(AuditEvent.FINDING_SENDER_REVEALED)
    response = client.post(reverse("review_reveal", args=[review.id_card.pk]), follow=True)
    assert events(AuditEvent.FINDING_SENDER_REVEALED) == before + 1
    assert "赵四（10001010）" in response.text
    assert 'id="reveal"' not in response.text
    # The reveal is of this finding's sender only: the neighbours keep their pseudonyms.
    assert "钱五" not in response.text
    assert pseudonym(review.phone.message) in response.text
    # Another finding of the same session stays pseudonymised until revealed in turn.
    assert "钱五" not in client.get(detail(review.phone)).text


def test_message_text_never_shows_the_raw_id_number_or_phone(review, client_for):
    for user in (review.cast.supervisor, review.cast.manager_a, review.reviewer, review.cast.group_admin):
        client = client_for(user)
        pages = [
            client.get(reverse("review_list"), {"status": "all"}).text,
            client.get(detail(review.id_card)).text,
            client.get(detail(review.phone)).text,
        ]
        for page in pages:
            assert ID_NUMBER not in page
            assert PHONE not in page
            assert PHONE_B not in page
    page = client_for(review.reviewer).get(detail(review.id_card)).text
    # The finding's span is highlighted, masked.
    assert re.search(r"<mark[^>]*>1101\*{10}002X</mark>", page)
    assert "138****5678" in page


# ── filters, order and context ─────────────────────────────────────────────────────────────


def test_the_queue_defaults_to_open_findings_most_severe_first(review, client_for):
    client = client_for(review.cast.supervisor)
    ids = listed_ids(client.get(reverse("review_list")).text)
    assert ids.index(review.id_card.pk) < ids.index(review.phone.pk) < ids.index(review.abuse_unregistered.pk)
    client.post(act(review.id_card, "confirm"))
    assert review.id_card.pk not in listed_ids(client.get(reverse("review_list")).text)
    confirmed = listed_ids(client.get(reverse("review_list"), {"status": "confirmed"}).text)
    assert confirmed == [review.id_card.pk]


def test_filters_by_category_severity_group_unit_and_date(review, client_for):
    client = client_for(review.cast.supervisor)
    url = reverse("review_list")
    phones = listed_ids(client.get(url, {"category": "privacy.phone"}).text)
    assert set(phones) == {review.phone.pk, review.phone_b.pk}
    critical = listed_ids(client.get(url, {"severity": 4}).text)
    assert critical == [review.id_card.pk]
    of_b = {f.pk for f in Finding.objects.filter(group=review.cast.group_b)}
    assert review.phone_b.pk in of_b
    in_b = listed_ids(client.get(url, {"group": review.cast.group_b.pk}).text)
    assert set(in_b) == of_b
    in_vocal = listed_ids(client.get(url, {"unit": review.cast.vocal.pk}).text)
    assert set(in_vocal) == of_b
    sept_3 = listed_ids(client.get(url, {"date_from": "2024-09-03", "date_to": "2024-09-03"}).text)
    assert set(sept_3) == of_b
    from_4th = listed_ids(client.get(url, {"date_from": "2024-09-04"}).text)
    assert review.abuse_unregistered.pk in from_4th
    assert review.id_card.pk not in from_4th
    wrong = client.get(url, {"date_from": "2024-09-05", "date_to": "2024-09-01"}).text
    assert "结束日期不能早于开始日期。" in wrong


def test_the_detail_page_shows_five_messages_either_side_in_order(review, client_for):
    page = client_for(review.reviewer).get(detail(review.id_card)).text
    conversation = page[page.index('class="conversation"') :]
    shown = [int(x) for x in re.findall(r'data-message="(\d+)"', conversation)]
    group_a = list(ChatMessage.objects.filter(group=review.cast.group_a).order_by("sent_at", "pk"))
    at = [m.pk for m in group_a].index(review.id_card.message_id)
    assert shown == [m.pk for m in group_a[at - 5 : at + 6]]
    # The oldest message (six before) is out of the window; so is the last one after.
    assert BEFORE[0] not in conversation
    assert BEFORE[1] in conversation
    assert AFTER[3] in conversation  # the phone message is the first after, then AFTER[0..3]
    assert AFTER[4] not in conversation
    assert f'<li class="current" data-message="{review.id_card.message_id}"' in conversation


def test_detail_links_keep_the_queue_and_carry_the_shortcuts(review, client_for):
    client = client_for(review.reviewer)
    page = client.get(detail(review.id_card), {"category": "privacy.phone"}).text
    # Under a phone-only filter, the next finding is the phone, and links keep the filter.
    assert f'href="{detail(review.phone)}?category=privacy.phone" data-key="j"' in page
    for key in ("d", "c", "e"):
        assert f'data-key="{key}"' in page


def test_message_level_evidence_is_shown_masked(review, client_for, chat_file):
    from qunguan.chats.actions import do_import_chat_file

    # Chatter that starts with a phone number: the off-topic finding's stored evidence is the
    # raw start of the message, so the page must cut it from the masked text instead.
    do_import_chat_file(
        None, chat_file(f"2024-09-05T20:00:00|600100200|10001099|周七|{PHONE} 周末一起去唱K吧哈哈哈")
    )
    message = ChatMessage.objects.get(sender_id="10001099")
    client = client_for(review.reviewer)
    for finding in message.findings.all():
        page = client.get(detail(finding)).text
        assert PHONE not in page


def test_an_advertisements_words_stay_readable_while_its_phone_is_masked(review, client_for, chat_file):
    from qunguan.chats.actions import do_import_chat_file

    text = f"兼职刷单日结，加V私聊，扫码进群领红包，电话{PHONE}"
    do_import_chat_file(None, chat_file(f"2024-09-05T21:00:00|600100200|10001099|某人|{text}|ad-1"))
    message = ChatMessage.objects.get(message_id="ad-1")
    categories = set(message.findings.values_list("category", flat=True))
    assert {"ad", "privacy.phone"} <= categories
    client = client_for(review.reviewer)
    ad = message.findings.filter(category="ad").first()
    page = client.get(detail(ad)).text
    # The reviewer judges the pitch by its words; only the phone number is personal data.
    assert "兼职刷单日结，加V私聊，扫码进群领红包，电话138****5678" in re.sub(r"<[^>]+>", "", page)
    assert PHONE not in page
    queue = client.get(reverse("review_list"), {"category": "ad"}).text
    assert "扫码进群领红包" in re.sub(r"<[^>]+>", "", queue)
    assert PHONE not in queue


def test_the_queue_escapes_message_text_around_the_marked_evidence(review, client_for, chat_file):
    from qunguan.chats.actions import do_import_chat_file

    do_import_chat_file(
        None,
        chat_file(
            '2024-09-05T09:00:00|600100200|10001099|某人|<script>alert("x")</script>电话13812345679&|a-xss'
        ),
    )
    page = client_for(review.cast.supervisor).get(reverse("review_list")).text
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "13812345679" not in page  # the evidence itself is masked in its <mark>
