"""The group's member page and the removal-list download, for every role of the cast."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

from qunguan.members.actions import do_import_members
from qunguan.members.models import MemberSnapshot

from .helpers import COMPOSITION_MEMBERS, write_members

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user, backend=MODEL_BACKEND)
    return client


@pytest.fixture
def imported(cast, tmp_path):
    return do_import_members(None, cast.group_a, write_members(tmp_path / "m.csv", COMPOSITION_MEMBERS))


def download(cast, user, fmt: str = "csv"):
    return client_for(user).get(f"/groups/{cast.group_a.pk}/members/removals.{fmt}")


def test_group_detail_links_to_the_member_page(cast):
    page = client_for(cast.manager_a).get(f"/groups/{cast.group_a.pk}/")

    assert f'href="/groups/{cast.group_a.pk}/members/"' in page.content.decode()


def test_member_page_shows_counts_per_status_and_the_members_to_remove(cast, imported):
    page = client_for(cast.manager_a).get(f"/groups/{cast.group_a.pk}/members/")

    html = page.content.decode()
    assert page.status_code == 200
    assert "共 4 人" in html
    assert '<td class="num status-verified">2</td>' in html
    assert "花名册中查无“路人甲”" in html
    assert "10001004" in html
    assert f"/groups/{cast.group_a.pk}/members/removals.xlsx" in html


def test_member_page_without_a_list_says_so(cast):
    page = client_for(cast.head_a).get(f"/groups/{cast.group_a.pk}/members/")

    assert "还没有导入成员名单。" in page.content.decode()
    assert "导入成员名单</h2>" not in page.content.decode()  # the head reads, it does not import


@pytest.mark.parametrize(
    ("user", "masked"), [("supervisor", False), ("manager_a", False), ("head_a", True), ("group_admin", True)]
)
def test_removal_list_download_is_masked_for_roles_without_personal_data(cast, imported, user, masked):
    response = download(cast, getattr(cast, user))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    ids = [row[2] for row in rows[1:]]
    people = [row[7] for row in rows[1:]]
    if masked:
        assert ids == ["100***04", "100***03"]
        assert people[1] == "李秀兰（***01，声乐系）"
    else:
        assert ids == ["10001004", "10001003"]
        assert people[1] == "李秀兰（T2001，声乐系）"


def test_removal_list_xlsx_downloads(cast, imported):
    response = download(cast, cast.manager_a, "xlsx")

    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:2] == b"PK"


@pytest.mark.parametrize("user", ["manager_b", "outsider"])
def test_other_units_and_outsiders_get_not_found(cast, imported, user):
    assert download(cast, getattr(cast, user)).status_code == 404
    assert client_for(getattr(cast, user)).get(f"/groups/{cast.group_a.pk}/members/").status_code == 404


def test_unknown_download_format_is_not_found(cast, imported):
    assert download(cast, cast.manager_a, "pdf").status_code == 404


def test_manager_uploads_a_member_list(cast, tmp_path):
    path = write_members(tmp_path / "m.csv", COMPOSITION_MEMBERS)

    with path.open("rb") as handle:
        response = client_for(cast.manager_a).post(
            f"/groups/{cast.group_a.pk}/members/import/", {"file": handle, "format": "sheet"}, follow=True
        )

    assert "m.csv：已导入 4 名成员" in response.content.decode()
    cast.group_a.refresh_from_db()
    assert cast.group_a.member_count == 4


def test_upload_with_bad_rows_shows_every_problem_and_imports_nothing(cast, tmp_path):
    path = write_members(tmp_path / "m.csv", [*COMPOSITION_MEMBERS, ["无号", "", "", "", ""]])

    with path.open("rb") as handle:
        response = client_for(cast.manager_a).post(
            f"/groups/{cast.group_a.pk}/members/import/", {"file": handle}
        )

    assert response.status_code == 400
    assert "m.csv:6: QQ号或微信号: 必填，不能为空" in response.content.decode()
    assert MemberSnapshot.objects.count() == 0


@pytest.mark.parametrize(("user", "status"), [("group_admin", 403), ("head_a", 403), ("manager_b", 404)])
def test_only_managers_of_the_unit_upload(cast, tmp_path, user, status):
    path = write_members(tmp_path / "m.csv", COMPOSITION_MEMBERS)

    with path.open("rb") as handle:
        response = client_for(getattr(cast, user)).post(
            f"/groups/{cast.group_a.pk}/members/import/", {"file": handle}
        )

    assert response.status_code == status
    assert MemberSnapshot.objects.count() == 0
