"""Files a user downloads hold personal data exactly as that user sees it on screen."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from qunguan.chats.actions import do_import_chat_file
from qunguan.chats.models import Finding
from qunguan.members.actions import do_import_members
from tests.members.helpers import COMPOSITION_MEMBERS, write_members
from tests.privacy.conftest import ID_MASKED, ID_NUMBER, PHONE, PHONE_MASKED

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
GROUP_A = "600100200"  # the cast's 作曲系教职工群


def client_for(user) -> Client:
    client = Client()
    client.force_login(user, backend=MODEL_BACKEND)
    return client


@pytest.fixture
def stranger_with_a_phone_in_the_card(cast, tmp_path):
    """The 作曲系 group's member list, with a stranger whose card carries a mobile number."""
    rows = [*COMPOSITION_MEMBERS, [f"周六 {PHONE}", "周", "10001005", "成员", ""]]
    return do_import_members(None, cast.group_a, write_members(tmp_path / "m.csv", rows))


@pytest.mark.parametrize(("user", "masked"), [("manager_a", False), ("group_admin", True), ("head_a", True)])
def test_the_removal_list_file_masks_what_the_member_page_masks(
    cast, stranger_with_a_phone_in_the_card, user, masked
):
    client = client_for(getattr(cast, user))
    page = client.get(f"/groups/{cast.group_a.pk}/members/").content.decode()
    download = client.get(f"/groups/{cast.group_a.pk}/members/removals.csv")
    rows = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode("utf-8-sig"))))
    card = next(row[0] for row in rows[1:] if row[0].startswith("周六"))

    shown = f"周六 {PHONE_MASKED}" if masked else f"周六 {PHONE}"
    assert card == shown
    assert shown in page
    if masked:
        assert PHONE not in page
        assert all(PHONE not in cell for row in rows for cell in row)


def test_the_findings_workbook_holds_pseudonyms_and_masked_evidence_as_the_queue_does(
    cast, data_dir, chat_file
):
    path = chat_file(f"2024-09-02T09:10:02|{GROUP_A}|10001004|赵四|我的身份证号是{ID_NUMBER}，电话{PHONE}|m2")
    do_import_chat_file(cast.manager_a, path)
    finding = Finding.objects.get(category="privacy.id_card")
    client = client_for(cast.manager_a)

    page = client.get(f"/review/{finding.pk}/").content.decode()
    workbook = load_workbook(io.BytesIO(client.get("/review/export.xlsx").content))
    cells = [str(c) for row in workbook.active.iter_rows(values_only=True) for c in row if c is not None]

    assert ID_MASKED in cells
    for text in (ID_NUMBER, PHONE, "赵四", "10001004"):
        assert text not in page
        assert not any(text in c for c in cells), text


@pytest.mark.parametrize(("user", "masked"), [("manager_a", False), ("group_admin", True)])
def test_the_members_api_masks_what_the_member_page_masks(
    cast, stranger_with_a_phone_in_the_card, user, masked
):
    client = client_for(getattr(cast, user))
    body = client.get(f"/api/groups/{cast.group_a.pk}/members").json()
    card = next(m["card"] for m in body["items"] if m["card"].startswith("周六"))

    assert body["masked"] is masked
    assert card == (f"周六 {PHONE_MASKED}" if masked else f"周六 {PHONE}")
