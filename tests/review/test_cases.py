"""Cases per person (4(3)): open, attach, record education, close with an outcome; escalation opens one."""

from __future__ import annotations

import pytest

from qunguan.auditlog import log
from qunguan.auditlog.events import AuditEvent
from qunguan.auditlog.models import AuditLogEntry
from qunguan.chats import cases
from qunguan.chats import review as decisions
from qunguan.chats.models import Case, CaseOutcome, CaseState
from qunguan.chats.privacy import pseudonym
from qunguan.registry.access import NotFound
from qunguan.registry.errors import OUT_OF_SCOPE, RegistryError


def last_event():
    return AuditLogEntry.objects.order_by("-seq").first()


def test_a_case_goes_from_open_to_handling_to_closed_with_every_step_logged(review):
    case = cases.do_open_case(review.reviewer, review.id_card, note="发现后立案")
    assert (case.state, case.unit, case.group, case.sender_id) == (
        CaseState.OPEN,
        review.cast.composition,
        review.cast.group_a,
        "10001010",
    )
    assert list(case.findings.all()) == [review.id_card]
    assert last_event().event_type == AuditEvent.CASE_OPENED
    assert pseudonym(review.id_card.message) in last_event().summary
    assert "赵四" not in last_event().summary

    cases.do_add_case_note(review.reviewer, case, kind="education", text="已约谈当事人，进行批评教育")
    case.refresh_from_db()
    assert case.state == CaseState.HANDLING
    assert last_event().event_type == AuditEvent.CASE_NOTE_ADDED

    cases.do_close_case(review.cast.manager_a, case, outcome=CaseOutcome.EDUCATION, note="当事人已认识错误")
    case.refresh_from_db()
    assert (case.state, case.outcome, case.closed_at is not None) == (CaseState.CLOSED, "education", True)
    assert last_event().event_type == AuditEvent.CASE_CLOSED
    kinds = [e.kind for e in case.entries.all()]
    assert kinds == ["finding", "education", "state"]
    assert [e.event_type for e in log.entries_for("case", case.pk)] == [
        AuditEvent.CASE_CLOSED,
        AuditEvent.CASE_NOTE_ADDED,
        AuditEvent.CASE_OPENED,
    ]


def test_escalating_a_finding_opens_a_case_then_attaches_the_next_one(review):
    decisions.do_escalate_finding(review.reviewer, review.phone, note="请系里约谈")
    [case] = Case.objects.all()
    assert list(case.findings.all()) == [review.phone]
    assert case.entries.first().kind == "escalation"
    # The same sender's next escalated finding in the unit joins that case.
    again = cases.do_open_case(review.reviewer, review.id_card)  # another sender: a case of its own
    assert again.pk != case.pk
    assert Case.objects.count() == 2


def test_escalation_attaches_to_the_senders_open_case(review):
    case = cases.do_open_case(review.reviewer, review.phone)
    seq = last_event().seq
    decisions.do_escalate_finding(review.reviewer, review.phone, note="情节严重")
    assert Case.objects.count() == 1
    events = [e.event_type for e in AuditLogEntry.objects.filter(seq__gt=seq).order_by("seq")]
    assert events == [AuditEvent.FINDING_ESCALATED]  # already attached: nothing more to record
    assert case.findings.count() == 1


def test_a_finding_of_another_sender_cannot_join_a_case(review):
    case = cases.do_open_case(review.reviewer, review.phone)
    with pytest.raises(RegistryError) as err:
        cases.do_attach_finding(review.reviewer, case, review.id_card)
    assert (err.value.code, err.value.message) == (
        cases.CASE_OTHER_SENDER,
        "该审查发现的发送者不是本个案的当事人。",
    )


def test_a_closed_case_takes_no_more_records(review):
    case = cases.do_open_case(review.reviewer, review.phone)
    cases.do_close_case(review.reviewer, case, outcome="no_action", note="经核实为工作电话")
    with pytest.raises(RegistryError) as err:
        cases.do_add_case_note(review.reviewer, case, text="补充")
    assert err.value.code == cases.CASE_CLOSED


def test_closing_needs_an_outcome_and_a_note(review):
    case = cases.do_open_case(review.reviewer, review.phone)
    with pytest.raises(RegistryError) as err:
        cases.do_close_case(review.reviewer, case, outcome="", note="x")
    assert err.value.message == "请选择处理结果。"
    with pytest.raises(RegistryError) as err:
        cases.do_close_case(review.reviewer, case, outcome="education", note=" ")
    assert err.value.message == "请填写结案说明。"


def test_findings_of_unregistered_groups_cannot_open_a_case(review):
    with pytest.raises(RegistryError) as err:
        cases.do_open_case(review.cast.supervisor, review.abuse_unregistered)
    assert err.value.code == cases.CASE_UNREGISTERED


def test_scope_sibling_manager_neither_sees_nor_changes_a_case(review):
    case = cases.do_open_case(review.reviewer, review.phone)
    assert case in set(cases.visible_cases(review.cast.manager_a))
    assert case in set(cases.visible_cases(review.cast.group_admin))
    assert case in set(cases.visible_cases(review.cast.supervisor))
    assert case not in set(cases.visible_cases(review.cast.manager_b))
    assert case not in set(cases.visible_cases(review.cast.outsider))
    with pytest.raises(NotFound):
        cases.access_case(review.cast.manager_b, case.pk)
    with pytest.raises(RegistryError) as err:
        cases.do_add_case_note(review.cast.manager_b, case, text="越权")
    assert err.value.code == OUT_OF_SCOPE


def test_unit_head_reads_a_case_but_cannot_change_it(review):
    case = cases.do_open_case(review.reviewer, review.phone)
    assert cases.access_case(review.cast.head_a, case.pk) == case
    with pytest.raises(RegistryError) as err:
        cases.do_start_handling(review.cast.head_a, case)
    assert (err.value.code, err.value.message) == (cases.CASE_READ_ONLY, "您只能查看该个案，无权处理。")
