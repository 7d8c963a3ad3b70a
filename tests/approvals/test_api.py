"""The approvals and incidents API: the same workflow, the same scope, the same error shape."""

from __future__ import annotations

import pytest
from django.test import Client

from qunguan.approvals.models import ApprovalState
from qunguan.members.actions import do_import_members
from tests.approvals.conftest import PNG, scan
from tests.members.helpers import COMPOSITION_MEMBERS, write_members

pytestmark = pytest.mark.django_db


class Api:
    def __init__(self, user):
        self.client = Client()
        self.client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")

    def get(self, url, **params):
        return self.client.get(url, params)

    def post(self, url, body=None):
        return self.client.post(url, body or {}, content_type="application/json")

    def patch(self, url, body):
        return self.client.patch(url, body, content_type="application/json")


def test_oversize_request_from_draft_to_filed_over_the_api(cast, oversize_group):
    before = Api(cast.supervisor).get("/api/checks", kind="oversize").json()["items"]
    assert oversize_group.pk in [b["group"]["id"] for b in before]
    manager, head, supervisor = Api(cast.manager_a), Api(cast.head_a), Api(cast.supervisor)
    response = manager.post(
        "/api/approvals",
        {
            "group_id": oversize_group.pk,
            "kind": "oversize",
            "reason": "全系通知",
            "max_members": 200,
            "submit": True,
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["state"] == "submitted"
    assert body["approver"] == {"id": cast.head_a.pk, "name": "作曲系 主任"}
    pk = body["id"]
    assert head.get(f"/api/approvals/{pk}").json()["steps"] == ["approve", "attach", "comment", "reject"]
    assert head.post(f"/api/approvals/{pk}/approve").json()["state"] == "approved"
    upload = manager.client.post(f"/api/approvals/{pk}/attachments", {"file": scan("签批单.png", PNG)})
    assert upload.status_code == 201, upload.json()
    assert manager.client.get(upload.json()["url"]).status_code == 200
    filed = supervisor.post(f"/api/approvals/{pk}/file").json()
    assert filed["state"] == ApprovalState.FILED
    assert [e["event"] for e in filed["timeline"]] == [
        "新建审批申请",
        "提交审批申请",
        "批准审批申请",
        "上传审批附件",
        "审批备案",
    ]
    checks = supervisor.get("/api/checks", kind="oversize")
    assert checks.status_code == 200
    assert oversize_group.pk not in [b["group"]["id"] for b in checks.json()["items"]]


def test_wrong_role_gets_403_with_a_chinese_message(cast, oversize_group):
    body = Api(cast.manager_a).post(
        "/api/approvals",
        {"group_id": oversize_group.pk, "kind": "oversize", "reason": "x", "max_members": 200},
    )
    response = Api(cast.manager_a).post(f"/api/approvals/{body.json()['id']}/approve")
    assert response.status_code == 403
    assert response.json()["code"] == "out_of_scope"
    assert response.json()["message"] == "只有选定的审批人作曲系 主任可以审批该申请。"


def test_other_units_request_is_404(cast, oversize_group):
    pk = (
        Api(cast.manager_a)
        .post("/api/approvals", {"group_id": oversize_group.pk, "kind": "oversize", "reason": "x"})
        .json()["id"]
    )
    other = Api(cast.manager_b)
    assert other.get(f"/api/approvals/{pk}").status_code == 404
    assert other.post(f"/api/approvals/{pk}/comments", {"body": "路过"}).status_code == 404
    assert other.get("/api/approvals").json()["total"] == 0


def test_revise_and_resubmit_over_the_api(cast, oversize_group):
    manager, head = Api(cast.manager_a), Api(cast.head_a)
    pk = manager.post(
        "/api/approvals",
        {
            "group_id": oversize_group.pk,
            "kind": "oversize",
            "reason": "x",
            "max_members": 200,
            "submit": True,
        },
    ).json()["id"]
    rejected = head.post(f"/api/approvals/{pk}/reject", {"reason": "理由不充分"}).json()
    assert rejected["state"] == "rejected"
    assert rejected["reject_reason"] == "理由不充分"
    revised = manager.patch(f"/api/approvals/{pk}", {"reason": "全系 180 人需同时接收通知"}).json()
    assert revised["reason"] == "全系 180 人需同时接收通知"
    assert manager.post(f"/api/approvals/{pk}/submit").json()["submissions"] == 2


def test_bad_state_is_a_422_with_code(cast, oversize_group):
    pk = (
        Api(cast.manager_a)
        .post("/api/approvals", {"group_id": oversize_group.pk, "kind": "oversize", "reason": "x"})
        .json()["id"]
    )
    response = Api(cast.supervisor).post(f"/api/approvals/{pk}/file")
    assert response.status_code == 422
    assert response.json()["code"] == "bad_state"


def test_restore_over_the_api(cast):
    api = Api(cast.manager_a)
    api.post(f"/api/groups/{cast.group_a.pk}/dissolve", {"reason": "合并"})
    response = api.post(f"/api/groups/{cast.group_a.pk}/restore")
    assert response.status_code == 200
    assert response.json() == {"id": cast.group_a.pk, "status": "active"}
    assert Api(cast.manager_b).post(f"/api/groups/{cast.group_a.pk}/restore").status_code == 404


def test_incident_reported_over_the_api_names_only_visible_groups(cast, tmp_path):
    do_import_members(cast.manager_a, cast.group_a, write_members(tmp_path / "m.csv", COMPOSITION_MEMBERS))
    response = Api(cast.outsider).post(
        "/api/incidents", {"platform": "qq", "account": "10001002", "kind": "stolen"}
    )
    assert response.status_code == 201
    assert response.json()["groups"] == []  # the reporter learns nothing about groups
    listed = Api(cast.manager_a).get("/api/incidents").json()
    assert [g["name"] for g in listed[0]["groups"]] == ["作曲系教职工群"]
    bad = Api(cast.outsider).post("/api/incidents", {"platform": "qq", "account": "abc", "kind": "lost"})
    assert bad.status_code == 422
    assert bad.json()["message"] == "QQ号须为 5–12 位数字。"
