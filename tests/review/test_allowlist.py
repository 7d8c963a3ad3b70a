"""Dismissing as a false positive with an allow-list entry; later scans honour it, in its scope."""

from __future__ import annotations

import datetime as dt

import pytest

from qunguan.audit import Auditor
from qunguan.auditlog import log
from qunguan.auditlog.events import AuditEvent
from qunguan.auditlog.models import AuditLogEntry
from qunguan.chats import allowlist
from qunguan.chats.actions import do_import_chat_file
from qunguan.chats.models import AllowListEntry, ChatMessage, Finding, FindingStatus
from qunguan.registry.errors import OUT_OF_SCOPE, RegistryError
from tests.review.conftest import GROUP_A, GROUP_B, PHONE


@pytest.fixture(autouse=True)
def _fresh_allowlist():
    allowlist.invalidate()
    yield
    allowlist.invalidate()


def later_message(group, text, sender_id="10001011", sender_name="钱五"):
    return ChatMessage(
        group=group,
        platform="qq",
        sender_id=sender_id,
        sender_name=sender_name,
        text=text,
        sent_at=dt.datetime(2024, 9, 9, 9, 0, tzinfo=dt.UTC),
    )


def scan_later(message):
    """What a later import keeps of the engine's findings on ``message``."""
    allowlist.invalidate()
    return allowlist.filter_findings(message, Auditor().scan(message.text))


def categories(findings):
    return sorted(f.category for f in findings)


def test_dismissing_with_a_unit_phrase_logs_the_dismissal_and_the_entry(review):
    seq = AuditLogEntry.objects.order_by("-seq").first().seq
    entry = allowlist.do_dismiss_and_allowlist(
        review.reviewer, review.phone, kind="phrase", scope="unit", reason="系办公室公开电话"
    )
    assert review.reload(review.phone).status == FindingStatus.DISMISSED
    assert (entry.kind, entry.unit, entry.phrase) == ("phrase", review.cast.composition, PHONE)
    events = [e.event_type for e in AuditLogEntry.objects.filter(seq__gt=seq).order_by("seq")]
    assert events == [AuditEvent.FINDING_DISMISSED, AuditEvent.ALLOWLIST_ENTRY_ADDED]
    assert list(log.verify()) == []


def test_a_unit_phrase_quiets_later_messages_in_that_unit_only(review):
    allowlist.do_dismiss_and_allowlist(review.reviewer, review.phone, kind="phrase", scope="unit")
    text = f"办公室电话{PHONE}，有事请联系"
    assert "privacy.phone" not in categories(scan_later(later_message(review.cast.group_a, text)))
    # The sibling unit's group still reports the same number.
    assert "privacy.phone" in categories(scan_later(later_message(review.cast.group_b, text)))


def test_a_later_import_honours_the_units_allow_list(review, chat_file, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the entry is in force once committed
        allowlist.do_dismiss_and_allowlist(review.reviewer, review.phone, kind="phrase", scope="unit")
    text = f"办公室电话{PHONE}，有事请联系"
    do_import_chat_file(
        None,
        chat_file(
            f"2024-09-09T09:00:00|{GROUP_A}|10001012|周七|{text}|later-a",
            f"2024-09-09T09:01:00|{GROUP_B}|20002002|吴八|{text}|later-b",
        ),
    )
    later = Finding.objects.filter(message__message_id__in=["later-a", "later-b"], category="privacy.phone")
    assert [f.group for f in later] == [review.cast.group_b]


def test_a_school_wide_phrase_reaches_the_engine_itself(review):
    abuse = review.abuse_unregistered
    allowlist.do_dismiss_and_allowlist(
        review.cast.supervisor, abuse, kind="phrase", scope="school", phrase="你这个傻逼"
    )
    allowlist.invalidate()
    policy = allowlist.engine_policy()
    assert any(p.name.startswith("allow-") for p in policy.lexicon_allow)
    assert "lexicon.abuse" in [f.rule for f in Auditor().scan("你这个傻逼")]
    assert "lexicon.abuse" not in [f.rule for f in Auditor(policy).scan("你这个傻逼")]


def test_a_sender_rule_entry_quiets_that_rule_for_that_sender_only(review):
    allowlist.do_dismiss_and_allowlist(review.reviewer, review.id_card, kind="sender_rule", scope="unit")
    text = "我的身份证号是11010519491231002X"
    same = scan_later(later_message(review.cast.group_a, text, sender_id="10001010", sender_name="赵四"))
    other = scan_later(later_message(review.cast.group_a, text, sender_id="10009999", sender_name="别人"))
    assert "privacy.id_card" not in categories(same)
    assert "privacy.id_card" in categories(other)


def test_an_id_number_cannot_be_allow_listed_as_a_phrase(review):
    with pytest.raises(RegistryError) as err:
        allowlist.do_dismiss_and_allowlist(review.reviewer, review.id_card, kind="phrase", scope="unit")
    assert err.value.code == allowlist.PHRASE_NOT_ALLOWED
    assert "不能作为短语加入白名单" in err.value.message
    # Nothing happened: the dismissal rolled back with the refused entry.
    assert review.reload(review.id_card).status == FindingStatus.OPEN
    assert not AllowListEntry.objects.exists()


def test_only_the_supervisor_decides_school_wide(review):
    with pytest.raises(RegistryError) as err:
        allowlist.do_dismiss_and_allowlist(review.cast.manager_a, review.phone, kind="phrase", scope="school")
    assert (err.value.code, err.value.message) == (
        allowlist.SCHOOL_WIDE_SUPERVISOR_ONLY,
        "只有党委宣传部可以设置全校白名单。",
    )
    assert review.reload(review.phone).status == FindingStatus.OPEN


def test_a_group_admin_may_dismiss_but_not_allow_list_for_the_unit(review):
    with pytest.raises(RegistryError) as err:
        allowlist.do_dismiss_and_allowlist(review.cast.group_admin, review.phone, kind="phrase", scope="unit")
    assert err.value.code == OUT_OF_SCOPE
    assert review.reload(review.phone).status == FindingStatus.OPEN


def test_a_phrase_must_contain_the_matched_text(review):
    with pytest.raises(RegistryError) as err:
        allowlist.do_dismiss_and_allowlist(
            review.reviewer, review.phone, kind="phrase", scope="unit", phrase="办公室电话"
        )
    assert (err.value.code, err.value.message) == (allowlist.PHRASE_INVALID, "白名单短语须包含被命中的文字。")


def test_removing_an_entry_makes_later_scans_report_again(review):
    entry = allowlist.do_dismiss_and_allowlist(review.reviewer, review.phone, kind="phrase", scope="unit")
    allowlist.do_remove_allowlist_entry(review.cast.manager_a, entry)
    assert AuditLogEntry.objects.order_by("-seq").first().event_type == AuditEvent.ALLOWLIST_ENTRY_REMOVED
    text = f"办公室电话{PHONE}"
    assert "privacy.phone" in categories(scan_later(later_message(review.cast.group_a, text)))


def test_sibling_manager_does_not_see_the_units_entries(review):
    entry = allowlist.do_dismiss_and_allowlist(review.reviewer, review.phone, kind="phrase", scope="unit")
    assert entry in set(allowlist.visible_entries(review.cast.manager_a))
    assert entry not in set(allowlist.visible_entries(review.cast.manager_b))
    with pytest.raises(RegistryError):
        allowlist.do_remove_allowlist_entry(review.cast.manager_b, entry)
