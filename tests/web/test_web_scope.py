"""Scope through the web UI: a unit manager cannot list, read, change or export a sibling's data."""

from __future__ import annotations

from django.urls import reverse

from qunguan.registry import actions


def test_unit_manager_cannot_open_sibling_units_group(cast, client_for):
    response = client_for(cast.manager_a).get(reverse("group_detail", args=[cast.group_b.pk]))
    assert response.status_code == 404
    assert "不在您的管理范围内" in response.text


def test_missing_group_and_sibling_group_look_the_same(cast, client_for):
    client = client_for(cast.manager_a)
    assert client.get(reverse("group_detail", args=[999999])).status_code == 404


def test_unit_manager_cannot_edit_sibling_units_group(cast, client_for):
    client = client_for(cast.manager_a)
    url = reverse("group_edit", args=[cast.group_b.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"name": "改名"}).status_code == 404
    cast.group_b.refresh_from_db()
    assert cast.group_b.name == "声乐系工作群"


def test_unit_manager_cannot_dissolve_or_upload_to_sibling_units_group(cast, client_for):
    client = client_for(cast.manager_a)
    assert (
        client.post(reverse("group_dissolve", args=[cast.group_b.pk]), {"on": "2024-01-01"}).status_code
        == 404
    )
    assert client.post(reverse("group_rules_upload", args=[cast.group_b.pk])).status_code == 404
    assert client.get(reverse("group_rules_download", args=[cast.group_b.pk])).status_code == 404


def test_unit_head_may_read_but_not_edit_own_units_group(cast, client_for):
    client = client_for(cast.head_a)
    assert client.get(reverse("group_detail", args=[cast.group_a.pk])).status_code == 200
    response = client.get(reverse("group_edit", args=[cast.group_a.pk]))
    assert response.status_code == 403
    assert "您没有执行此操作的权限" in response.text


def test_unit_manager_cannot_export_sibling_units_filing(cast, client_for):
    client = client_for(cast.manager_a)
    for fmt in ("xlsx", "docx"):
        response = client.get(reverse("filing_export", args=[cast.vocal.pk, fmt]))
        assert response.status_code in {403, 404}


def test_unit_head_cannot_export_filing(cast, client_for):
    response = client_for(cast.head_a).get(reverse("filing_export", args=[cast.composition.pk, "xlsx"]))
    assert response.status_code == 403


def test_registry_list_shows_only_own_groups(cast, client_for):
    page = client_for(cast.manager_a).get(reverse("group_list")).text
    assert "作曲系教职工群" in page
    assert "声乐系工作群" not in page


def test_registry_list_filter_cannot_reach_a_sibling_unit(cast, client_for):
    page = client_for(cast.manager_a).get(reverse("group_list"), {"unit": cast.vocal.pk}).text
    assert "声乐系工作群" not in page


def test_dashboard_counts_only_own_scope(cast, client_for):
    page = client_for(cast.manager_a).get(reverse("dashboard")).text
    assert "作曲系" in page
    assert "声乐系" not in page


def test_unit_tree_shows_own_subtree_only(cast, client_for):
    page = client_for(cast.manager_a).get(reverse("unit_tree")).text
    assert "作曲2023级1班" in page
    assert "声乐系" not in page
    assert "四川示例音乐学院党委" not in page


def test_roster_lists_only_own_people_with_phones_for_the_manager(cast, client_for):
    page = client_for(cast.manager_a).get(reverse("roster_list")).text
    assert "王建国" in page
    assert "13800138000" in page  # the liaison answers for the filing form's contacts
    assert "李秀兰" not in page


def test_roster_masks_phones_for_the_unit_head(cast, client_for):
    page = client_for(cast.head_a).get(reverse("roster_list")).text
    assert "王建国" in page
    assert "13800138000" not in page
    assert "138****8000" in page


def test_group_admin_sees_no_roster_and_masked_contacts(cast, client_for):
    client = client_for(cast.group_admin)
    roster = client.get(reverse("roster_list")).text
    assert "王建国" not in roster
    assert "您的范围内没有人员" in roster
    detail = client.get(reverse("group_detail", args=[cast.group_a.pk])).text
    assert "王建国" in detail
    assert "13800138000" not in detail
    assert "138****8000" in detail


def test_register_form_offers_only_managed_units_and_visible_people(cast, client_for):
    page = client_for(cast.manager_a).get(reverse("group_register")).text
    assert "作曲2023级1班" in page
    assert "声乐系" not in page
    assert "李秀兰" not in page


def test_register_in_a_sibling_unit_is_refused(cast, client_for):
    response = client_for(cast.manager_a).post(
        reverse("group_register"),
        {
            "name": "越权群",
            "platform": "qq",
            "account": "123",
            "unit": cast.vocal.pk,
            "member_count": 5,
            "status": "active",
        },
    )
    assert response.status_code == 200
    assert "选择一个有效的选项" in response.text
    assert not cast.vocal.groups.filter(name="越权群").exists()


def test_users_without_a_managed_unit_cannot_register(cast, client_for):
    assert client_for(cast.head_a).get(reverse("group_register")).status_code == 403
    assert client_for(cast.group_admin).get(reverse("roster_import")).status_code == 403


def test_outsider_sees_nothing(cast, client_for):
    client = client_for(cast.outsider)
    assert "没有符合条件的群组" in client.get(reverse("group_list")).text
    assert client.get(reverse("group_detail", args=[cast.group_a.pk])).status_code == 404


def test_history_does_not_name_people_outside_scope(cast, client_for):
    actions.do_update_group(None, cast.group_a, admins=[cast.teacher_a, cast.teacher_b])
    actions.do_update_group(None, cast.group_a, admins=[cast.teacher_a])
    page = client_for(cast.head_a).get(reverse("group_detail", args=[cast.group_a.pk])).text
    assert "变更管理员" in page
    assert f"#{cast.teacher_b.pk}" in page
