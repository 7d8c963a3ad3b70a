"""Handling findings: each decision changes the status, records who and when, and logs exactly once."""

from __future__ import annotations

import pytest

from qunguan.auditlog import log
from qunguan.auditlog.events import AuditEvent
from qunguan.auditlog.models import AuditLogEntry
from qunguan.chats import review as actions
from qunguan.chats.models import FindingStatus
from qunguan.chats.privacy import pseudonym
from qunguan.registry.errors import OUT_OF_SCOPE, RegistryError


def log_entries_since(seq):
    return list(AuditLogEntry.objects.filter(seq__gt=seq).order_by("seq"))


def last_seq():
    entry = AuditLogEntry.objects.order_by("-seq").first()
    return entry.seq if entry else 0


@pytest.mark.parametrize(
    ("do", "kwargs", "status", "event"),
    [
        (
            actions.do_dismiss_finding,
            {"reason": "是测试数据"},
            FindingStatus.DISMISSED,
            AuditEvent.FINDING_DISMISSED,
        ),
        (actions.do_confirm_finding, {}, FindingStatus.CONFIRMED, AuditEvent.FINDING_CONFIRMED),
        (
            actions.do_escalate_finding,
            {"note": "请作曲系约谈当事人"},
            FindingStatus.ESCALATED,
            AuditEvent.FINDING_ESCALATED,
        ),
    ],
)
def test_a_decision_changes_the_status_and_writes_one_audit_entry(review, do, kwargs, status, event):
    seq = last_seq()
    do(review.reviewer, review.id_card, **kwargs)
    finding = review.reload(review.id_card)
    assert finding.status == status
    assert finding.handled_by == review.reviewer
    assert finding.handled_at is not None
    assert finding.note == next(iter(kwargs.values()), "")
    [entry] = [e for e in log_entries_since(seq) if e.object_type == "finding"]
    assert (entry.event_type, entry.object_type, entry.object_id) == (int(event), "finding", str(finding.pk))
    assert entry.actor == review.reviewer
    assert entry.unit_path == review.cast.composition.path
    assert entry.before["status"] == "open"
    assert entry.after["status"] == status
    assert "身份证号" in entry.summary
    assert list(log.verify()) == []


def test_reopening_puts_the_finding_back_and_clears_the_decision(review):
    actions.do_confirm_finding(review.reviewer, review.id_card)
    seq = last_seq()
    actions.do_reopen_finding(review.cast.manager_a, review.id_card, reason="需要再核实")
    finding = review.reload(review.id_card)
    assert (finding.status, finding.handled_by, finding.handled_at) == ("open", None, None)
    [entry] = log_entries_since(seq)
    assert entry.event_type == AuditEvent.FINDING_REOPENED
    assert (entry.before["status"], entry.after["status"]) == ("confirmed", "open")


def test_a_confirmed_finding_may_still_be_escalated(review):
    actions.do_confirm_finding(review.reviewer, review.id_card)
    actions.do_escalate_finding(review.reviewer, review.id_card, note="情节严重")
    assert review.reload(review.id_card).status == FindingStatus.ESCALATED


def test_a_decided_finding_cannot_be_decided_again(review):
    actions.do_dismiss_finding(review.reviewer, review.id_card)
    seq = last_seq()
    with pytest.raises(RegistryError) as err:
        actions.do_confirm_finding(review.reviewer, review.id_card)
    assert err.value.code == actions.WRONG_STATE
    assert err.value.message == "该审查发现当前为“误报”，不能确认为违规。"
    assert log_entries_since(seq) == []


def test_escalating_needs_a_note(review):
    with pytest.raises(RegistryError) as err:
        actions.do_escalate_finding(review.reviewer, review.id_card, note="  ")
    assert (err.value.code, err.value.message) == (actions.NOTE_REQUIRED, "上报时请填写说明。")
    assert review.reload(review.id_card).status == FindingStatus.OPEN


def test_unit_head_reads_but_cannot_decide(review):
    seq = last_seq()
    with pytest.raises(RegistryError) as err:
        actions.do_confirm_finding(review.cast.head_a, review.id_card)
    assert (err.value.code, err.value.message) == (actions.READ_ONLY, "您只能查看该审查发现，无权处理。")
    with pytest.raises(RegistryError):
        actions.do_reveal_sender(review.cast.head_a, review.id_card)
    assert review.reload(review.id_card).status == FindingStatus.OPEN
    assert log_entries_since(seq) == []


def test_a_sibling_units_manager_cannot_decide(review):
    with pytest.raises(RegistryError) as err:
        actions.do_dismiss_finding(review.cast.manager_b, review.id_card)
    assert err.value.code == OUT_OF_SCOPE
    assert review.reload(review.id_card).status == FindingStatus.OPEN


def test_bulk_dismiss_logs_one_entry_per_finding_and_skips_decided_ones(review):
    actions.do_confirm_finding(review.reviewer, review.phone)
    seq = last_seq()
    changed = actions.do_dismiss_findings(review.reviewer, [review.id_card, review.phone], reason="演练")
    assert changed == [review.id_card]
    assert review.reload(review.id_card).status == FindingStatus.DISMISSED
    assert review.reload(review.phone).status == FindingStatus.CONFIRMED
    assert [e.object_id for e in log_entries_since(seq)] == [str(review.id_card.pk)]


def test_bulk_with_one_foreign_finding_changes_nothing(review):
    seq = last_seq()
    with pytest.raises(RegistryError) as err:
        actions.do_confirm_findings(review.cast.manager_a, [review.id_card, review.phone_b])
    assert err.value.code == OUT_OF_SCOPE
    assert review.reload(review.id_card).status == FindingStatus.OPEN
    assert log_entries_since(seq) == []


def test_revealing_a_sender_is_logged_without_naming_the_person(review):
    seq = last_seq()
    identity = actions.do_reveal_sender(review.reviewer, review.id_card)
    assert (identity.name, identity.sender_id) == ("赵四", "10001010")
    assert identity.pseudonym == pseudonym(review.id_card.message)
    [entry] = log_entries_since(seq)
    assert entry.event_type == AuditEvent.FINDING_SENDER_REVEALED
    assert entry.actor == review.reviewer
    assert identity.pseudonym in entry.summary
    assert "赵四" not in entry.summary
    assert "10001010" not in str(entry.after)
    assert review.reload(review.id_card).status == FindingStatus.OPEN
