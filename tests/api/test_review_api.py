"""The review queue and group members through the REST API: scope, masking, actions, errors."""

from __future__ import annotations

import pytest

from qunguan.api.errors import NOT_FOUND_MESSAGE
from qunguan.auditlog.events import AuditEvent
from qunguan.auditlog.models import AuditLogEntry
from qunguan.chats.models import AllowListEntry, Case, FindingStatus, SenderWarning
from qunguan.chats.privacy import pseudonym
from qunguan.members.actions import do_import_members
from tests.chatfixtures import chat_data_dir, chat_file, fresh_auditor, pipe_format
from tests.members.helpers import COMPOSITION_MEMBERS, write_members
from tests.review.conftest import ID_NUMBER, PHONE, review

__all__ = ["chat_data_dir", "chat_file", "fresh_auditor", "pipe_format", "review"]

NOT_FOUND = {"code": "not_found", "message": NOT_FOUND_MESSAGE, "field": None}


def ids(response):
    return {item["id"] for item in response.json()["items"]}


# ── the queue ─────────────────────────────────────────────────────────────────────────────


def test_the_queue_lists_only_findings_in_scope(review, api_as):
    mine = api_as(review.cast.manager_a).get("/api/review/findings")
    assert mine.status_code == 200
    assert review.id_card.pk in ids(mine)
    assert review.phone_b.pk not in ids(mine)
    assert review.abuse_unregistered.pk not in ids(mine)
    assert review.abuse_unregistered.pk in ids(api_as(review.cast.supervisor).get("/api/review/findings"))
    assert ids(api_as(review.cast.outsider).get("/api/review/findings")) == set()


def test_texts_are_masked_and_senders_pseudonymised(review, api_as):
    item = api_as(review.cast.supervisor).get(f"/api/review/findings/{review.id_card.pk}").json()
    assert ID_NUMBER not in item["text"]
    assert ID_NUMBER not in item["evidence"]
    assert item["sender"] == pseudonym(review.id_card.message)
    assert "赵四" not in str(item)
    assert (item["category_label"], item["status"], item["can_act"]) == ("身份证号", "open", True)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"category": "privacy.id_card"}, "id_card"),
        ({"group": "group_b"}, "phone_b"),
        ({"severity": 4}, "id_card"),
        ({"date_from": "2024-09-03", "date_to": "2024-09-03"}, "phone_b"),
    ],
)
def test_filters_narrow_the_queue(review, api_as, params, expected):
    if params.get("group") == "group_b":
        params = {"group": review.cast.group_b.pk}
    listed = ids(api_as(review.cast.supervisor).get("/api/review/findings", **params))
    assert getattr(review, expected).pk in listed
    others = {"id_card", "phone", "phone_b"} - {expected}
    assert not listed & {getattr(review, o).pk for o in others}


def test_a_foreign_finding_or_filter_is_not_found(review, api_as):
    client = api_as(review.cast.manager_b)
    response = client.get(f"/api/review/findings/{review.id_card.pk}")
    assert (response.status_code, response.json()) == (404, NOT_FOUND)
    assert client.get("/api/review/findings", group=review.cast.group_a.pk).status_code == 404
    act = client.post(f"/api/review/findings/{review.id_card.pk}/act", {"action": "confirm"})
    assert act.status_code == 404
    assert review.reload(review.id_card).status == FindingStatus.OPEN


# ── actions ───────────────────────────────────────────────────────────────────────────────


def test_confirm_then_reopen_through_the_api(review, api_as):
    client = api_as(review.reviewer)
    body = client.post(
        f"/api/review/findings/{review.id_card.pk}/act", {"action": "confirm", "note": "属实"}
    ).json()
    assert (body["finding"]["status"], body["finding"]["note"]) == ("confirmed", "属实")
    body = client.post(f"/api/review/findings/{review.id_card.pk}/act", {"action": "reopen"}).json()
    assert body["finding"]["status"] == "open"


def test_escalating_without_a_note_is_a_422_with_the_chinese_message(review, api_as):
    response = api_as(review.reviewer).post(
        f"/api/review/findings/{review.id_card.pk}/act", {"action": "escalate"}
    )
    assert response.status_code == 422
    assert response.json()["code"] == "finding_note_required"
    assert response.json()["message"] == "上报时请填写说明。"


def test_escalating_opens_a_case(review, api_as):
    body = (
        api_as(review.reviewer)
        .post(f"/api/review/findings/{review.phone.pk}/act", {"action": "escalate", "note": "请约谈"})
        .json()
    )
    case = Case.objects.get()
    assert body["finding"]["cases"] == [case.pk]


def test_warn_allowlist_and_case_actions(review, api_as):
    client = api_as(review.reviewer)
    warned = client.post(f"/api/review/findings/{review.id_card.pk}/act", {"action": "warn"}).json()
    assert SenderWarning.objects.get(pk=warned["warning_id"]).status == "pending"
    listed = client.post(
        f"/api/review/findings/{review.phone.pk}/act",
        {"action": "allowlist", "kind": "phrase", "scope": "unit"},
    ).json()
    assert AllowListEntry.objects.get(pk=listed["allowlist_entry_id"]).phrase == PHONE
    assert listed["finding"]["status"] == "dismissed"
    opened = client.post(f"/api/review/findings/{review.id_card.pk}/act", {"action": "open_case"}).json()
    assert opened["finding"]["cases"] == [opened["case_id"]]


def test_unit_head_gets_403_on_actions(review, api_as):
    response = api_as(review.cast.head_a).post(
        f"/api/review/findings/{review.id_card.pk}/act", {"action": "confirm"}
    )
    assert response.status_code == 403
    assert response.json()["message"] == "您只能查看该审查发现，无权处理。"


def test_bulk_dismiss_logs_per_finding_and_refuses_foreign_ids(review, api_as):
    client = api_as(review.cast.manager_a)
    foreign = client.post(
        "/api/review/bulk", {"action": "dismiss", "ids": [review.id_card.pk, review.phone_b.pk]}
    )
    assert foreign.status_code == 404
    assert review.reload(review.id_card).status == FindingStatus.OPEN
    before = AuditLogEntry.objects.filter(event_type=AuditEvent.FINDING_DISMISSED).count()
    done = client.post("/api/review/bulk", {"action": "dismiss", "ids": [review.id_card.pk, review.phone.pk]})
    assert done.json() == {"changed": [review.id_card.pk, review.phone.pk], "skipped": []}
    assert AuditLogEntry.objects.filter(event_type=AuditEvent.FINDING_DISMISSED).count() == before + 2


# ── group members ─────────────────────────────────────────────────────────────────────────


def test_members_of_the_latest_list_with_statuses_masked_per_role(cast, api_as, tmp_path):
    do_import_members(cast.manager_a, cast.group_a, write_members(tmp_path / "m.csv", COMPOSITION_MEMBERS))
    manager = api_as(cast.manager_a).get(f"/api/groups/{cast.group_a.pk}/members").json()
    assert manager["member_count"] == 4
    assert manager["masked"] is False
    counts = {s["status"]: s["count"] for s in manager["statuses"]}
    assert counts == {"verified": 2, "ambiguous": 0, "unknown": 1, "out_of_scope": 1}
    assert {m["platform_id"] for m in manager["items"]} == {"10001001", "10001002", "10001003", "10001004"}
    admin = api_as(cast.group_admin).get(f"/api/groups/{cast.group_a.pk}/members").json()
    assert admin["masked"] is True
    assert "10001001" not in str(admin["items"])
    unknown = api_as(cast.manager_a).get(f"/api/groups/{cast.group_a.pk}/members", status="unknown").json()
    assert [m["card"] for m in unknown["items"]] == ["路人甲"]


def test_members_of_a_foreign_group_are_not_found(cast, api_as):
    response = api_as(cast.manager_b).get(f"/api/groups/{cast.group_a.pk}/members")
    assert (response.status_code, response.json()) == (404, NOT_FOUND)


def test_a_group_without_a_member_list_answers_empty(cast, api_as):
    body = api_as(cast.manager_a).get(f"/api/groups/{cast.group_a.pk}/members").json()
    assert (body["snapshot"], body["total"], body["items"]) == (None, 0, [])


# ── cases ─────────────────────────────────────────────────────────────────────────────────


def test_a_case_through_the_api_from_opening_to_closing(review, api_as):
    client = api_as(review.reviewer)
    case_id = client.post(f"/api/review/findings/{review.phone.pk}/act", {"action": "open_case"}).json()[
        "case_id"
    ]
    listed = client.get("/api/review/cases", state="open").json()
    assert [c["id"] for c in listed["items"]] == [case_id]
    assert listed["items"][0]["subject"] == pseudonym(review.phone.message)
    noted = client.post(f"/api/review/cases/{case_id}/notes", {"kind": "education", "text": "已约谈"}).json()
    assert (noted["state"], noted["entries"][-1]["kind_label"]) == ("handling", "批评教育")
    closed = client.post(
        f"/api/review/cases/{case_id}/close", {"outcome": "education", "note": "已认识错误"}
    ).json()
    assert (closed["state"], closed["outcome_label"]) == ("closed", "批评教育")
    again = client.post(f"/api/review/cases/{case_id}/notes", {"text": "补充"})
    assert (again.status_code, again.json()["code"]) == (422, "case_closed")


def test_cases_are_scoped_and_read_only_for_unit_heads(review, api_as):
    case_id = (
        api_as(review.reviewer)
        .post(f"/api/review/findings/{review.phone.pk}/act", {"action": "open_case"})
        .json()["case_id"]
    )
    sibling = api_as(review.cast.manager_b)
    assert sibling.get(f"/api/review/cases/{case_id}").json() == NOT_FOUND
    assert sibling.get("/api/review/cases").json()["total"] == 0
    head = api_as(review.cast.head_a)
    assert head.get(f"/api/review/cases/{case_id}").json()["can_act"] is False
    refused = head.post(f"/api/review/cases/{case_id}/close", {"outcome": "education", "note": "x"})
    assert refused.status_code == 403
