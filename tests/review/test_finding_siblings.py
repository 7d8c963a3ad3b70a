"""A decision about a finding is a decision about its message in that category.

A spam message is found by each of its lures; the reviewer judges the message once, and its other
findings of the category follow, each with its own audit entry. Personal data is decided span by
span: a message may hold an office number and a private mobile.
"""

from __future__ import annotations

import re

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


# The queue (审查队列) lists what a reviewer decides: one row per message and category.


def queue_ids(client, query=""):
    from django.urls import reverse

    text = client.get(reverse("review_list") + query).text
    return [int(n) for n in re.findall(r'<tr data-finding="(\d+)"', text)], text


def lead_of(findings):
    """The finding the queue lists for ``findings``: the first in its order (severity, then newest)."""
    return max(findings, key=lambda f: (f.severity, f.pk))


def test_the_queue_lists_a_message_once_per_category_with_how_many_it_stands_for(spam, client_for):
    client = client_for(spam.reviewer)
    ids, text = queue_ids(client)
    for message_id in ("spam-1", "spam-2"):
        lures = findings_of(message_id)
        assert [pk for pk in ids if pk in {f.pk for f in lures}] == [lead_of(lures).pk]
    assert text.count(f"本消息共 {len(findings_of('spam-1'))} 处") == 2
    # Each phone number is a datum of its own: a row each, with no note.
    phones = findings_of("two-phones", "privacy.phone")
    assert {f.pk for f in phones} <= set(ids)


def test_a_decision_on_the_row_empties_it_from_the_open_queue(spam, client_for):
    client = client_for(spam.reviewer)
    lures = findings_of("spam-1")
    actions.do_confirm_finding(spam.reviewer, lead_of(lures), note="广告")
    ids, _ = queue_ids(client)
    assert not {f.pk for f in lures} & set(ids)
    every, _ = queue_ids(client, "?status=all")
    assert [pk for pk in every if pk in {f.pk for f in lures}] == [lead_of(lures).pk]
    confirmed, _ = queue_ids(client, "?status=confirmed")
    assert [pk for pk in confirmed if pk in {f.pk for f in lures}] == [lead_of(lures).pk]


def test_a_sibling_reopened_alone_gets_a_row_of_its_own_in_the_open_queue(spam, client_for):
    client = client_for(spam.reviewer)
    lures = findings_of("spam-1")
    lead = lead_of(lures)
    actions.do_dismiss_finding(spam.reviewer, lead, reason="误报")
    other = next(f for f in lures if f.pk != lead.pk)
    actions.do_reopen_finding(spam.reviewer, other, reason="再看看")
    ids, text = queue_ids(client)
    assert [pk for pk in ids if pk in {f.pk for f in lures}] == [other.pk]
    assert f'<tr data-finding="{other.pk}">' in text


def test_the_severity_filter_folds_the_findings_of_that_severity(spam, client_for):
    client = client_for(spam.reviewer)
    lures = findings_of("spam-1")
    for severity in {f.severity for f in lures}:
        of_severity = [f for f in lures if f.severity == severity]
        ids, _ = queue_ids(client, f"?severity={severity}")
        assert [pk for pk in ids if pk in {f.pk for f in lures}] == [lead_of(of_severity).pk]


def test_next_and_previous_pass_over_the_findings_folded_into_a_row(spam, client_for):
    from django.urls import reverse

    client = client_for(spam.reviewer)
    later, earlier = findings_of("spam-2"), findings_of("spam-1")  # the queue lists newer first
    page = client.get(reverse("review_detail", args=[lead_of(earlier).pk])).text
    for folded in later + earlier:
        if folded.pk not in (lead_of(later).pk, lead_of(earlier).pk):
            assert f"/review/{folded.pk}/" not in page
    response = client.post(reverse("review_act", args=[lead_of(later).pk, "confirm"]), {"note": "广告"})
    assert response.status_code == 302
    following = re.search(r"/review/(\d+)/", response["Location"])
    assert following is not None, response["Location"]
    assert int(following.group(1)) not in {f.pk for f in later}


def test_the_row_highlights_every_lure_it_stands_for(spam, client_for):
    _, text = queue_ids(client_for(spam.reviewer))
    lead = lead_of(findings_of("spam-1"))
    row = re.search(rf'<tr data-finding="{lead.pk}">.*?</tr>', text, re.S).group(0)
    covered = {i for f in findings_of("spam-1") for i in range(f.start, f.end)}
    separate = sum(1 for i in covered if i - 1 not in covered)  # runs of marked characters
    assert separate > 1  # the fixture's premise: lures apart from each other
    assert row.count("<mark") == separate
    marked = "".join(re.findall(r"<mark[^>]*>(.*?)</mark>", row))
    assert all(SPAM[f.start : f.end] in marked for f in findings_of("spam-1"))
