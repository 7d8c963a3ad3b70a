"""Scope through the API: nobody lists, reads or changes what is outside their units, and
personal data is masked for roles that do not need it."""

from __future__ import annotations

import pytest

from qunguan.api.errors import NOT_FOUND_MESSAGE

NOT_FOUND = {"code": "not_found", "message": NOT_FOUND_MESSAGE, "field": None}


def test_unit_manager_cannot_list_read_or_change_sibling_units_groups(cast, api_as):
    manager_a = api_as(cast.manager_a)
    sibling = cast.group_b.pk

    listed = manager_a.get("/api/groups").json()
    assert [g["name"] for g in listed["items"]] == ["作曲系教职工群"]
    assert listed["total"] == 1
    assert manager_a.get("/api/groups", q="声乐").json()["total"] == 0

    for response in (
        manager_a.get(f"/api/groups/{sibling}"),
        manager_a.patch(f"/api/groups/{sibling}", {"name": "被改名"}),
        manager_a.post(f"/api/groups/{sibling}/dissolve"),
        manager_a.get(f"/api/groups/{sibling}/history"),
    ):
        assert response.status_code == 404
        assert response.json() == NOT_FOUND

    cast.group_b.refresh_from_db()
    assert cast.group_b.name == "声乐系工作群"
    assert cast.group_b.status == "active"
    breach_groups = {b["group"]["id"] for b in manager_a.get("/api/checks").json()["items"]}
    assert sibling not in breach_groups


def test_missing_and_foreign_groups_get_the_same_answer(cast, api_as):
    manager_a = api_as(cast.manager_a)
    foreign = manager_a.get(f"/api/groups/{cast.group_b.pk}")
    missing = manager_a.get("/api/groups/999999")
    assert (foreign.status_code, foreign.content) == (missing.status_code, missing.content)


def test_unit_manager_cannot_see_or_filter_by_sibling_units(cast, api_as):
    manager_a = api_as(cast.manager_a)
    [root] = manager_a.get("/api/units").json()
    assert root["name"] == "作曲系"
    assert [c["name"] for c in root["children"]] == ["作曲2023级1班"]
    assert manager_a.get(f"/api/units/{cast.vocal.pk}").status_code == 404
    assert manager_a.get("/api/groups", unit=cast.vocal.pk).status_code == 404
    assert manager_a.get("/api/people", unit=cast.vocal.pk).status_code == 404


def test_unit_detail_hides_a_parent_outside_the_scope(cast, api_as):
    body = api_as(cast.manager_a).get(f"/api/units/{cast.composition.pk}").json()
    assert body["parent"] is None


def test_unit_manager_cannot_register_a_group_in_a_sibling_unit(cast, api_as):
    response = api_as(cast.manager_a).post(
        "/api/groups", {"platform": "qq", "account": "123456", "name": "越权群", "unit_id": cast.vocal.pk}
    )
    assert response.status_code == 422
    assert response.json()["field"] == "unit_id"
    assert response.json()["code"] == "invalid"


def test_unit_manager_cannot_move_own_group_into_a_sibling_unit(cast, api_as):
    response = api_as(cast.manager_a).patch(f"/api/groups/{cast.group_a.pk}", {"unit_id": cast.vocal.pk})
    assert response.status_code == 422
    assert response.json()["field"] == "unit_id"
    cast.group_a.refresh_from_db()
    assert cast.group_a.unit == cast.composition


def test_unit_manager_cannot_read_sibling_units_people(cast, api_as):
    manager_a = api_as(cast.manager_a)
    assert {p["name"] for p in manager_a.get("/api/people").json()["items"]} == {"王建国", "张小明"}
    assert manager_a.get(f"/api/people/{cast.teacher_b.pk}").status_code == 404


def test_unit_manager_cannot_export_sibling_units_filing(cast, api_as):
    assert api_as(cast.manager_a).get(f"/api/units/{cast.vocal.pk}/filing.xlsx").status_code == 404


def test_unit_head_cannot_export_the_filing_form(cast, api_as):
    response = api_as(cast.head_a).get(f"/api/units/{cast.composition.pk}/filing.xlsx")
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_unit_manager_registers_and_changes_own_units_groups(cast, api_as):
    manager_a = api_as(cast.manager_a)
    response = manager_a.post(
        "/api/groups",
        {
            "platform": "wechat",
            "account": "wx-zuoqu-2023-1",
            "name": "作曲2023级1班班级群",
            "unit_id": cast.composition_class.pk,
            "owner_id": cast.student_a.pk,
        },
    )
    assert response.status_code == 201, response.json()
    group_id = response.json()["id"]
    assert manager_a.patch(f"/api/groups/{group_id}", {"member_count": 31}).status_code == 200
    assert manager_a.post(f"/api/groups/{group_id}/dissolve").status_code == 200


@pytest.mark.parametrize("who", ["head_a", "group_admin"])
def test_readers_see_a_group_but_cannot_change_it(cast, api_as, who):
    client = api_as(getattr(cast, who))
    assert client.get(f"/api/groups/{cast.group_a.pk}").status_code == 200
    for response in (
        client.patch(f"/api/groups/{cast.group_a.pk}", {"name": "改名"}),
        client.post(f"/api/groups/{cast.group_a.pk}/dissolve"),
    ):
        assert response.status_code == 403
        assert response.json()["code"] == "forbidden"


def test_outsider_sees_nothing(cast, api_as):
    outsider = api_as(cast.outsider)
    assert outsider.get("/api/units").json() == []
    assert outsider.get("/api/groups").json()["total"] == 0
    assert outsider.get("/api/people").json()["total"] == 0
    assert outsider.get("/api/checks").json()["total"] == 0
    assert outsider.get(f"/api/groups/{cast.group_a.pk}").status_code == 404


# ---------------------------------------------------------------- personal data


def test_people_are_unmasked_for_the_units_manager(cast, api_as):
    person = api_as(cast.manager_a).get(f"/api/people/{cast.teacher_a.pk}").json()
    assert person["phone"] == "13800138000"
    assert person["masked"] is False


def test_people_are_masked_for_the_unit_head(cast, api_as):
    head = api_as(cast.head_a)
    listed = {p["number"]: p for p in head.get("/api/people").json()["items"]}
    assert listed["T1001"]["phone"] == "138****8000"
    assert listed["2023010101"]["phone"] == "137****7000"
    assert all(p["masked"] for p in listed.values())
    assert head.get(f"/api/people/{cast.teacher_a.pk}").json()["phone"] == "138****8000"


def test_group_admin_sees_no_roster_and_masked_group_contacts(cast, api_as):
    admin = api_as(cast.group_admin)
    assert admin.get("/api/people").json()["total"] == 0
    assert admin.get(f"/api/people/{cast.teacher_a.pk}").status_code == 404
    group = admin.get(f"/api/groups/{cast.group_a.pk}").json()
    assert group["owner_contact"]["phone"] == "138****8000"
    assert group["owner_contact"]["masked"] is True
    assert [a["phone"] for a in group["admins"]] == ["138****8000"]


def test_group_contacts_are_unmasked_for_the_units_manager(cast, api_as):
    group = api_as(cast.manager_a).get(f"/api/groups/{cast.group_a.pk}").json()
    assert group["owner_contact"]["phone"] == "13800138000"
    assert group["admins"][0]["masked"] is False


def test_group_admin_sees_only_own_group(cast, api_as):
    admin = api_as(cast.group_admin)
    assert [g["name"] for g in admin.get("/api/groups").json()["items"]] == ["作曲系教职工群"]
    assert admin.get(f"/api/groups/{cast.group_b.pk}").status_code == 404
