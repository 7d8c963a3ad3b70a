"""Errors carry stable codes, a Chinese message and the offending field."""

from __future__ import annotations

import pytest

from qunguan.api.errors import VALIDATION_MESSAGE


@pytest.fixture
def supervisor(cast, api_as):
    return api_as(cast.supervisor)


def test_duplicate_account_is_409_with_the_exact_message(cast, supervisor):
    response = supervisor.post(
        "/api/groups",
        {"platform": "qq", "account": "600100200", "name": "重复登记的群", "unit_id": cast.composition.pk},
    )
    assert response.status_code == 409
    assert response.json() == {
        "code": "duplicate_account",
        "message": "QQ群 600100200 已经登记过。",
        "field": "account",
    }


def test_patch_to_an_existing_account_is_409(cast, supervisor):
    response = supervisor.patch(f"/api/groups/{cast.group_b.pk}", {"platform": "qq", "account": "600100200"})
    assert response.status_code == 409
    assert response.json()["code"] == "duplicate_account"


def test_validation_errors_are_422_with_field_info(cast, supervisor):
    response = supervisor.post(
        "/api/groups", {"platform": "telegram", "name": "", "unit_id": cast.composition.pk}
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["message"] == VALIDATION_MESSAGE
    assert body["field"] == "platform"
    by_field = {e["field"]: e for e in body["errors"]}
    assert by_field["platform"]["message"] == "取值须为以下之一：'qq', 'wechat' or 'wecom'。"
    assert by_field["account"] == {"field": "account", "message": "此字段必须填写。", "type": "missing"}
    assert by_field["name"]["message"] == "至少需要 1 个字符。"


def test_domain_validation_names_the_field(cast, supervisor):
    response = supervisor.post(
        "/api/groups",
        {
            "platform": "qq",
            "account": "800900100",
            "name": "期末演出临时群",
            "unit_id": cast.composition.pk,
            "status": "temporary",
        },
    )
    assert response.status_code == 422
    assert response.json() == {"code": "invalid", "message": "临时群必须填写结束日期。", "field": "end_date"}


def test_patch_rejects_null_for_required_fields(cast, supervisor):
    response = supervisor.patch(f"/api/groups/{cast.group_a.pk}", {"name": None})
    assert response.status_code == 422
    assert response.json()["field"] == "name"
    assert response.json()["errors"][0]["message"] == "此字段不能为空（不修改请省略该字段）。"


def test_patch_cannot_dissolve_a_group_by_status(cast, supervisor):
    response = supervisor.patch(f"/api/groups/{cast.group_a.pk}", {"status": "dissolved"})
    assert response.status_code == 422
    assert response.json()["field"] == "status"


def test_unknown_owner_is_422_on_owner_id(cast, supervisor):
    response = supervisor.post(
        "/api/groups",
        {
            "platform": "qq",
            "account": "800900200",
            "name": "新群",
            "unit_id": cast.composition.pk,
            "owner_id": 424242,
        },
    )
    assert response.status_code == 422
    assert response.json()["field"] == "owner_id"


@pytest.mark.parametrize(
    ("params", "field"), [({"limit": 0}, "limit"), ({"limit": 10_000}, "limit"), ({"offset": -1}, "offset")]
)
def test_pagination_bounds_are_validated(cast, supervisor, params, field):
    response = supervisor.get("/api/groups", **params)
    assert response.status_code == 422
    assert response.json()["field"] == field


def test_malformed_json_is_a_validation_error(cast, supervisor):
    response = supervisor.client.post("/api/groups", "{not json", content_type="application/json")
    assert response.status_code in {400, 422}


def test_responses_keep_chinese_readable(cast, supervisor):
    response = supervisor.get(f"/api/groups/{cast.group_a.pk}")
    assert "作曲系教职工群".encode() in response.content
    assert response["Content-Type"].startswith("application/json")
