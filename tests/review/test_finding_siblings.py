"""A decision about a finding is a decision about its message in that category.

A spam message is found by each of its lures; the reviewer judges the message once, and its other
findings of the category follow, each with its own audit entry. Personal data is decided span by
span: a message may hold an office number and a private mobile.
"""

from __future__ import annotations

import pytest

from qunguan.auditlog.models import AuditLogEntry
from qunguan.chats import review as actions
from qunguan.chats.actions import do_import_chat_file
from qunguan.chats.models import ChatMessage, Finding, FindingStatus
from tests.review.conftest import GROUP_A

SPAM = "兼职刷单日结，加V私聊，扫码进群领红包"
TWO_PHONES = "办公室电话 028-85430000 有事找我 13912345678"


@pytest.fixture
def spam(review, chat_file):
    do_import_chat_file(
        None,
        chat_file(
            f"2024-09-05T21:00:00|{GROUP_A}|10001099|某人|{SPAM}|spam-1",
            f"2024-09-05T21:05:00|{GROUP_A}|10001099|某人|{SPAM}|spam-2",
            f"2024-09-05T21:10:00|{GROUP_A}|10001098|某人|{TWO_PHONES}|two-phones",
        ),
    )
    return review


def findings_of(message_id, category="ad"):
    return list(
        Finding.objects.filter(
            message=ChatMessage.objects.get(message_id=message_id), category=category
        ).order_by("pk")
    )


def statuses(findings):
    return [Finding.objects.get(pk=f.pk).status for f in findings]


def entries_for(finding):
    return AuditLogEntry.objects.filter(object_type="finding", object_id=str(finding.pk))


def test_confirming_one_lure_confirms_the_messages_other_ad_findings_each_logged(spam):
    lures = findings_of("spam-1")
    assert len(lures) >= 3  # the fixture's premise: one message, several ad findings
    actions.do_confirm_finding(spam.reviewer, lures[1], note="广告")
    assert statuses(lures) == [FindingStatus.CONFIRMED] * len(lures)
    for other in lures[:1] + lures[2:]:
        [entry] = entries_for(other)
        assert f"随同一消息的审查发现 #{lures[1].pk} 一并处理" in entry.summary
        assert entry.actor == spam.reviewer
        assert Finding.objects.get(pk=other.pk).note == "广告"
    [own] = entries_for(lures[1])
    assert "一并处理" not in own.summary
    # The same text sent again is another message: it waits for its own decision.
    assert set(statuses(findings_of("spam-2"))) == {FindingStatus.OPEN}


def test_a_sibling_already_decided_keeps_its_decision(spam):
    lures = findings_of("spam-1")
    actions.do_escalate_finding(spam.reviewer, lures[0], note="请约谈")
    actions.do_reopen_finding(spam.reviewer, lures[-1], reason="再看看")  # reopening is one by one
    assert statuses(lures)[:-1] == [FindingStatus.ESCALATED] * (len(lures) - 1)
    assert statuses(lures)[-1] == FindingStatus.OPEN
    actions.do_dismiss_finding(spam.reviewer, lures[-1], reason="看错了")
    assert statuses(lures)[:-1] == [FindingStatus.ESCALATED] * (len(lures) - 1)
    assert statuses(lures)[-1] == FindingStatus.DISMISSED


def test_a_bulk_decision_takes_the_siblings_along_once(spam):
    first, second = findings_of("spam-1"), findings_of("spam-2")
    changed = actions.do_dismiss_findings(spam.reviewer, [first[0], first[1], second[0]], reason="误报")
    assert sorted(f.pk for f in changed) == sorted(f.pk for f in first + second)
    assert set(statuses(first + second)) == {FindingStatus.DISMISSED}
    assert all(entries_for(f).count() == 1 for f in first + second)


def test_personal_data_is_decided_span_by_span(spam):
    phones = findings_of("two-phones", "privacy.phone")
    assert len(phones) == 2
    actions.do_dismiss_finding(spam.reviewer, phones[0], reason="办公电话，公开的")
    assert statuses(phones) == [FindingStatus.DISMISSED, FindingStatus.OPEN]
    assert actions.siblings(phones[1]) == []


def test_a_reviewer_outside_the_scope_moves_no_sibling(spam):
    from qunguan.registry.errors import RegistryError

    lures = findings_of("spam-1")
    with pytest.raises(RegistryError):
        actions.do_confirm_finding(spam.cast.manager_b, lures[0])
    assert set(statuses(lures)) == {FindingStatus.OPEN}


def test_the_finding_page_says_which_findings_a_decision_takes_along(spam, client_for):
    from django.urls import reverse

    lures = findings_of("spam-1")
    client = client_for(spam.reviewer)
    page = client.get(reverse("review_detail", args=[lures[0].pk])).text
    assert f"同一条消息中另有 {len(lures) - 1} 处“广告推销”命中" in page
    phone = findings_of("two-phones", "privacy.phone")[0]
    assert "同一条消息中另有" not in client.get(reverse("review_detail", args=[phone.pk])).text
