"""Every endpoint, as the supervisor (党委宣传部) sees it."""

from __future__ import annotations

import datetime as dt
import io

import docx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from qunguan.registry.models import Group, GroupStatus

NEW_GROUP = {
    "platform": "qq",
    "account": "700200300",
    "name": "作曲2023级1班班级群",
    "member_scope": "作曲2023级1班全体同学",
    "purpose": "班级通知",
    "member_count": 30,
}


@pytest.fixture
def supervisor(cast, api_as):
    return api_as(cast.supervisor)


def test_units_are_listed_as_the_whole_tree(cast, supervisor):
    response = supervisor.get("/api/units")
    assert response.status_code == 200
    [root] = response.json()
    assert root["name"] == "四川示例音乐学院党委"
    assert [c["name"] for c in root["children"]] == ["作曲系", "声乐系"]
    assert root["children"][0]["children"][0]["name"] == "作曲2023级1班"


def test_unit_detail_names_parent_children_and_group_count(cast, supervisor):
    body = supervisor.get(f"/api/units/{cast.composition.pk}").json()
    assert body["name"] == "作曲系"
    assert body["kind_label"] == "院系"
    assert body["parent"] == {"id": cast.school.pk, "name": "四川示例音乐学院党委"}
    assert body["children"] == [{"id": cast.composition_class.pk, "name": "作曲2023级1班"}]
    assert body["group_count"] == 1


def test_groups_are_listed_with_total_and_pagination(cast, supervisor):
    body = supervisor.get("/api/groups", limit=1).json()
    assert body["total"] == 2
    assert body["limit"] == 1
    assert [g["name"] for g in body["items"]] == ["作曲系教职工群"]
    body = supervisor.get("/api/groups", limit=1, offset=1).json()
    assert [g["name"] for g in body["items"]] == ["声乐系工作群"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"platform": "wechat"}, ["声乐系工作群"]),
        ({"q": "600100"}, ["作曲系教职工群"]),
        ({"q": "声乐"}, ["声乐系工作群"]),
        ({"official": "true"}, ["作曲系教职工群", "声乐系工作群"]),
        ({"official": "false"}, []),
        ({"status": "dissolved"}, []),
        ({"status": "active"}, ["作曲系教职工群", "声乐系工作群"]),
    ],
)
def test_groups_can_be_filtered(cast, supervisor, params, expected):
    body = supervisor.get("/api/groups", **params).json()
    assert [g["name"] for g in body["items"]] == expected
    assert body["total"] == len(expected)


def test_group_filter_by_unit_includes_its_subunits(cast, supervisor):
    supervisor.post("/api/groups", {**NEW_GROUP, "unit_id": cast.composition_class.pk})
    body = supervisor.get("/api/groups", unit=cast.composition.pk).json()
    assert [g["name"] for g in body["items"]] == ["作曲系教职工群", "作曲2023级1班班级群"]


def test_group_detail_lists_owner_and_admins_with_contacts(cast, supervisor):
    body = supervisor.get(f"/api/groups/{cast.group_a.pk}").json()
    assert body["name"] == "作曲系教职工群"
    assert body["platform_label"] == "QQ群"
    assert body["owner_contact"]["phone"] == "13800138000"
    assert [a["name"] for a in body["admins"]] == ["王建国"]
    assert body["has_rules"] is False


def test_supervisor_registers_a_group(cast, supervisor):
    response = supervisor.post(
        "/api/groups",
        {
            **NEW_GROUP,
            "unit_id": cast.composition_class.pk,
            "owner_id": cast.student_a.pk,
            "admin_ids": [cast.student_a.pk],
            "created_on": "2023-09-01",
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["unit"] == {"id": cast.composition_class.pk, "name": "作曲2023级1班"}
    assert body["owner"] == {"id": cast.student_a.pk, "name": "张小明"}
    assert body["created_on"] == "2023-09-01"
    group = Group.objects.get(pk=body["id"])
    assert list(group.admins.all()) == [cast.student_a]


def test_supervisor_changes_a_group_and_history_records_it(cast, supervisor):
    response = supervisor.patch(
        f"/api/groups/{cast.group_b.pk}", {"member_count": 160, "name": "声乐系教职工群"}
    )
    assert response.status_code == 200, response.json()
    assert response.json()["member_count"] == 160
    assert response.json()["name"] == "声乐系教职工群"
    history = supervisor.get(f"/api/groups/{cast.group_b.pk}/history").json()
    assert [h["event_name"] for h in history] == ["group_changed", "group_registered"]
    assert history[0]["actor"] == "xcb"
    assert history[0]["before"] == {"name": "声乐系工作群", "member_count": 70}
    assert history[0]["after"] == {"name": "声乐系教职工群", "member_count": 160}


def test_patch_can_replace_admins_and_clear_the_owner(cast, supervisor):
    body = supervisor.patch(
        f"/api/groups/{cast.group_a.pk}", {"admin_ids": [cast.student_a.pk], "owner_id": None}
    ).json()
    assert [a["name"] for a in body["admins"]] == ["张小明"]
    assert body["owner"] is None


def test_supervisor_dissolves_a_group(cast, supervisor):
    response = supervisor.post(
        f"/api/groups/{cast.group_b.pk}/dissolve", {"on": "2025-01-10", "reason": "工作结束"}
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "dissolved"
    assert response.json()["dissolved_on"] == "2025-01-10"
    [latest, *_] = supervisor.get(f"/api/groups/{cast.group_b.pk}/history").json()
    assert latest["event_name"] == "group_dissolved"
    assert latest["summary"] == "解散群组“声乐系工作群”：工作结束"


def test_dissolve_without_a_body_uses_today(cast, supervisor):
    response = supervisor.post(f"/api/groups/{cast.group_b.pk}/dissolve")
    assert response.status_code == 200
    cast.group_b.refresh_from_db()
    assert cast.group_b.status == GroupStatus.DISSOLVED
    assert cast.group_b.dissolved_on is not None


def test_people_are_listed_searched_and_filtered_by_unit(cast, supervisor):
    body = supervisor.get("/api/people").json()
    assert body["total"] == 3
    assert {p["name"] for p in supervisor.get("/api/people", q="T2001").json()["items"]} == {"李秀兰"}
    in_composition = supervisor.get("/api/people", unit=cast.composition.pk).json()["items"]
    assert {p["name"] for p in in_composition} == {"王建国", "张小明"}
    students = supervisor.get("/api/people", kind="student").json()["items"]
    assert [p["number"] for p in students] == ["2023010101"]


def test_person_detail_shows_contact_to_the_supervisor(cast, supervisor):
    body = supervisor.get(f"/api/people/{cast.teacher_b.pk}").json()
    assert body["phone"] == "13900139000"
    assert body["masked"] is False
    assert body["unit"] == {"id": cast.vocal.pk, "name": "声乐系"}


def test_checks_list_breaches_with_clause_group_and_unit(cast, supervisor):
    supervisor.patch(f"/api/groups/{cast.group_b.pk}", {"member_count": 200})
    body = supervisor.get("/api/checks", kind="oversize").json()
    assert body["total"] == 1
    [breach] = body["items"]
    assert breach["kind"] == "oversize"
    assert breach["clause"] == "3(2)"
    assert breach["title"] == "超过150人且无审批备案"
    assert breach["group"] == {"id": cast.group_b.pk, "name": "声乐系工作群"}
    assert breach["unit"] == {"id": cast.vocal.pk, "name": "声乐系"}
    assert "200" in breach["detail"]
    kinds = {b["kind"] for b in supervisor.get("/api/checks").json()["items"]}
    assert {"oversize", "over_headcount", "incomplete_registration"} <= kinds


def test_unknown_check_kind_is_a_validation_error(cast, supervisor):
    response = supervisor.get("/api/checks", kind="nonsense")
    assert response.status_code == 422
    assert response.json()["field"] == "kind"


def test_me_lists_roles_with_scopes(cast, api_as):
    body = api_as(cast.manager_a).get("/api/me").json()
    assert body["username"] == "zuoqu"
    assert body["is_supervisor"] is False
    assert body["person"] == {"id": cast.teacher_a.pk, "name": "王建国"}
    assert body["roles"] == [
        {
            "role": "unit_manager",
            "role_label": "单位联络人",
            "unit": {"id": cast.composition.pk, "name": "作曲系"},
            "group": None,
        }
    ]
    assert api_as(cast.supervisor).get("/api/me").json()["is_supervisor"] is True


def test_pre_publication_check_returns_findings_and_redacted_text(cast, supervisor):
    response = supervisor.post("/api/audit/scan", {"text": "请联系王老师，电话 13800138000。"})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert "privacy.phone" in {f["category"] for f in body["findings"]}
    assert "13800138000" not in body["redacted"]
    assert body["redacted"].startswith("请联系王老师，电话 ")
    finding = next(f for f in body["findings"] if f["category"] == "privacy.phone")
    assert set(finding) >= {"rule", "severity", "start", "end", "evidence", "score", "explanation"}


def test_pre_publication_check_of_clean_text_finds_nothing(cast, supervisor):
    body = supervisor.post("/api/audit/scan", {"text": "明天下午三点在302会议室开教研会。"}).json()
    assert body == {"findings": [], "redacted": "明天下午三点在302会议室开教研会。"}


def _docx(*paragraphs: str, cells: tuple[str, ...] = ()) -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if cells:
        table = document.add_table(rows=1, cols=len(cells))
        for cell, text in zip(table.rows[0].cells, cells, strict=True):
            cell.text = text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_pre_publication_check_reads_a_word_draft_with_its_tables(cast, supervisor):
    draft = _docx("关于报送材料的通知", "请各班于周五前报送。", cells=("联系人", "王老师 13800138000"))
    upload = SimpleUploadedFile("通知.docx", draft)
    response = supervisor.client.post("/api/audit/scan-docx", {"document": upload})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert [f["category"] for f in body["findings"]] == ["privacy.phone"]
    assert body["redacted"].startswith("关于报送材料的通知\n请各班于周五前报送。\n联系人\t王老师 ")
    assert "13800138000" not in body["redacted"]


def test_pre_publication_check_refuses_a_file_that_is_not_docx(cast, supervisor):
    upload = SimpleUploadedFile("通知.doc", b"\xd0\xcf\x11\xe0 old binary word file")
    response = supervisor.client.post("/api/audit/scan-docx", {"document": upload})
    assert response.status_code == 422
    assert response.json()["code"] == "bad_document"
    assert ".docx" in response.json()["message"]


@pytest.mark.parametrize(("fmt", "magic"), [("xlsx", b"PK"), ("docx", b"PK")])
def test_supervisor_exports_a_units_filing_form(cast, supervisor, fmt, magic):
    response = supervisor.get(f"/api/units/{cast.composition.pk}/filing.{fmt}", filing_date="2025-03-05")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response.content.startswith(magic)


def test_filing_export_rejects_unknown_formats(cast, supervisor):
    response = supervisor.get(f"/api/units/{cast.composition.pk}/filing.pdf")
    assert response.status_code == 422


def test_history_entries_are_newest_first(cast, supervisor):
    for count in (50, 51, 52):
        supervisor.patch(f"/api/groups/{cast.group_a.pk}", {"member_count": count})
    history = supervisor.get(f"/api/groups/{cast.group_a.pk}/history").json()
    seqs = [h["seq"] for h in history]
    assert seqs == sorted(seqs, reverse=True)
    assert history[0]["after"] == {"member_count": 52}
    assert dt.datetime.fromisoformat(history[0]["created"])


def test_dissolved_groups_leave_the_list_unless_asked_for(cast, supervisor):
    from django.utils import timezone

    from qunguan.registry import actions

    actions.do_dissolve_group(cast.supervisor, cast.group_b, on=timezone.localdate(), reason="工作结束")
    assert [g["name"] for g in supervisor.get("/api/groups").json()["items"]] == ["作曲系教职工群"]
    dissolved = supervisor.get("/api/groups", status="dissolved").json()
    assert [g["name"] for g in dissolved["items"]] == ["声乐系工作群"]
