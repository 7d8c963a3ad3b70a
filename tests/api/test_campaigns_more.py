"""The filing campaign over REST beyond the board and the decision: opening and closing a
campaign, confirming or correcting single groups, the signed form up and down, the exports —
each through the same action as the web page, with its audit entry and its Chinese refusal."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import openpyxl
from django.test import Client

from qunguan.auditlog.events import AuditEvent
from qunguan.auditlog.models import AuditLogEntry
from qunguan.campaigns.models import Campaign, Filing
from qunguan.registry.actions import do_register_group
from tests.campaigns.helpers import JPG, PDF, YEAR, filing_of, open_campaign, scan


class Api:
    def __init__(self, user: Any) -> None:
        self.client = Client()
        self.client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")

    def get(self, url: str) -> Any:
        return self.client.get(url)

    def post(self, url: str, body: Any = None) -> Any:
        return self.client.post(url, body or {}, content_type="application/json")

    def upload(self, url: str, **files: Any) -> Any:
        return self.client.post(url, files)


def events(event: AuditEvent) -> list[AuditLogEntry]:
    return list(AuditLogEntry.objects.filter(event_type=event).order_by("seq"))


def opened(cast: Any) -> tuple[Campaign, Filing, Filing]:
    campaign = open_campaign(cast, units=[cast.composition, cast.vocal])
    return campaign, filing_of(campaign, cast.composition), filing_of(campaign, cast.vocal)


# ---------------------------------------------------------------- opening and closing


def test_the_supervisor_opens_a_campaign_and_each_unit_gets_its_filing(cast):
    supervisor = Api(cast.supervisor)
    response = supervisor.post("/api/campaigns", {"year": YEAR, "deadline": f"{YEAR}-03-12"})
    assert response.status_code == 201
    body = response.json()
    assert (body["year"], body["deadline"], body["open"]) == (YEAR, f"{YEAR}-03-12", True)
    campaign = Campaign.objects.get(pk=body["id"])
    assert campaign.filings.filter(unit=cast.composition).exists()
    assert campaign.filings.filter(unit=cast.vocal).exists()
    [entry] = events(AuditEvent.CAMPAIGN_OPENED)
    assert (entry.actor, entry.object_id) == (cast.supervisor, str(campaign.pk))

    again = supervisor.post("/api/campaigns", {"year": YEAR})
    assert again.status_code == 422
    assert again.json() == {
        "code": "duplicate_campaign",
        "message": f"{YEAR}年度的填报已经发起过。",
        "field": "year",
    }


def test_the_deadline_defaults_to_10_march_of_the_year(cast):
    response = Api(cast.supervisor).post("/api/campaigns", {"year": 2030})
    assert (response.status_code, response.json()["deadline"]) == (201, "2030-03-10")


def test_a_year_out_of_range_is_refused_naming_the_field(cast):
    response = Api(cast.supervisor).post("/api/campaigns", {"year": 1999})
    assert response.status_code == 422
    assert response.json()["field"] == "year"
    assert not Campaign.objects.exists()


def test_only_the_supervisor_opens_a_campaign(cast):
    refused = Api(cast.manager_a).post("/api/campaigns", {"year": YEAR})
    assert refused.status_code == 403
    assert refused.json()["message"] == "只有党委宣传部可以发起年度填报。"
    assert Api(cast.outsider).post("/api/campaigns", {"year": YEAR}).status_code == 403
    assert not Campaign.objects.exists()
    assert not events(AuditEvent.CAMPAIGN_OPENED)


def test_the_supervisor_closes_a_campaign_and_nothing_can_be_filed_afterwards(cast):
    campaign, composition, _ = opened(cast)
    url = f"/api/campaigns/{campaign.pk}/close"
    refused = Api(cast.manager_a).post(url)
    assert (refused.status_code, refused.json()["message"]) == (403, "只有党委宣传部可以结束年度填报。")
    assert Api(cast.group_admin).post(url).status_code == 404  # no part in campaigns

    closed = Api(cast.supervisor).post(url)
    assert closed.status_code == 200
    assert closed.json()["open"] is False
    assert closed.json()["closed_at"] is not None
    assert len(events(AuditEvent.CAMPAIGN_CLOSED)) == 1

    twice = Api(cast.supervisor).post(url)
    assert (twice.status_code, twice.json()["code"]) == (422, "wrong_state")
    late = Api(cast.manager_a).post(f"/api/campaigns/filings/{composition.pk}/confirm-all")
    assert late.status_code == 422
    assert late.json()["message"] == f"{YEAR}年度的填报已经结束，不能再修改。"


# ---------------------------------------------------------------- single groups


def test_the_liaison_confirms_one_group_and_corrects_another_field_by_field(cast):
    _, composition, _ = opened(cast)
    [entry] = composition.entries.all()
    url = f"/api/campaigns/filings/{composition.pk}/entries/{entry.pk}"
    manager = Api(cast.manager_a)

    confirmed = manager.post(url)
    assert confirmed.status_code == 200
    assert (confirmed.json()["decision"], confirmed.json()["corrected"]) == ("confirmed", [])
    assert len(events(AuditEvent.FILING_ENTRY_CONFIRMED)) == 1

    corrected = manager.post(url, {"member_count": 48, "purpose": "工作通知与答疑", "name": "作曲系教职工群"})
    body = corrected.json()
    assert body["decision"] == "corrected"
    assert body["corrected"] == ["member_count", "purpose"]  # the unchanged name is no correction
    assert (body["values"]["member_count"], body["values"]["purpose"]) == (48, "工作通知与答疑")
    [change] = events(AuditEvent.FILING_ENTRY_CORRECTED)
    assert change.after["corrections"] == {"member_count": 48, "purpose": "工作通知与答疑"}


def test_a_bad_correction_is_refused_naming_the_field(cast):
    _, composition, _ = opened(cast)
    [entry] = composition.entries.all()
    url = f"/api/campaigns/filings/{composition.pk}/entries/{entry.pk}"
    manager = Api(cast.manager_a)
    empty = manager.post(url, {"name": "  "})
    assert (empty.status_code, empty.json()["field"], empty.json()["message"]) == (
        422,
        "name",
        "名称：不能为空。",
    )
    negative = manager.post(url, {"member_count": -1})
    assert (negative.status_code, negative.json()["field"]) == (422, "member_count")
    entry.refresh_from_db()
    assert entry.decision == "pending"


def test_an_entry_is_reached_only_through_its_own_filing(cast):
    _, composition, vocal = opened(cast)
    vocal_entry = vocal.entries.get()
    composition_entry = composition.entries.get()
    # Even 宣传部 gets 404 for 声乐系's group named under 作曲系's filing.
    foreign = f"/api/campaigns/filings/{composition.pk}/entries/{vocal_entry.pk}"
    assert Api(cast.supervisor).post(foreign).status_code == 404
    assert (
        Api(cast.manager_a).post(f"/api/campaigns/filings/{vocal.pk}/entries/{vocal_entry.pk}").status_code
        == 404
    )
    own = f"/api/campaigns/filings/{composition.pk}/entries/{composition_entry.pk}"
    assert Api(cast.head_a).post(own).status_code == 403  # the head reads, the liaison fills in
    assert not events(AuditEvent.FILING_ENTRY_CONFIRMED)


def test_groups_registered_after_the_opening_are_added_and_the_rest_confirmed(cast):
    _, composition, _ = opened(cast)
    do_register_group(
        None,
        platform="qq",
        account="600100777",
        name="作曲系新生群",
        unit=cast.composition,
        member_scope="作曲系新生",
        purpose="迎新",
        owner=cast.teacher_a,
        created_on=dt.date(2026, 3, 2),
        member_count=30,
        admins=[cast.teacher_a],
    )
    manager = Api(cast.manager_a)
    added = manager.post(f"/api/campaigns/filings/{composition.pk}/add-groups").json()
    assert added["changed"] == 1
    assert len(added["entries"]) == 2
    done = manager.post(f"/api/campaigns/filings/{composition.pk}/confirm-all").json()
    assert done["changed"] == 2
    assert {e["decision"] for e in done["entries"]} == {"confirmed"}


# ---------------------------------------------------------------- the signed form


def test_the_signed_form_goes_up_and_comes_back_down(cast):
    _, composition, _ = opened(cast)
    url = f"/api/campaigns/filings/{composition.pk}/scan"
    missing = Api(cast.head_a).get(url)
    assert (missing.status_code, missing.json()["message"]) == (404, "尚未上传签字盖章的登记表。")

    uploaded = Api(cast.manager_a).upload(url, scan=scan(JPG, name="登记表.jpg"))
    assert uploaded.status_code == 200
    assert uploaded.json()["has_scan"] is True
    assert len(events(AuditEvent.FILING_SCAN_UPLOADED)) == 1

    down = Api(cast.head_a).get(url)  # the unit's head sees the filing
    assert down.status_code == 200
    assert down["Content-Type"] == "image/jpeg"
    assert b"".join(down.streaming_content) == JPG
    assert Api(cast.manager_b).get(url).status_code == 404


def test_a_file_that_is_no_scan_is_refused_in_chinese(cast):
    _, composition, _ = opened(cast)
    url = f"/api/campaigns/filings/{composition.pk}/scan"
    refused = Api(cast.manager_a).upload(url, scan=scan(b"just text", name="登记表.pdf"))
    assert refused.status_code == 422
    assert refused.json()["code"] == "bad_scan"
    assert refused.json()["message"] == (
        "文件“登记表.pdf”不是 PDF、JPG 或 PNG 格式的扫描件或照片，请上传签字盖章后的登记表扫描件。"
    )
    assert Api(cast.head_a).upload(url, scan=scan()).status_code == 403
    composition.refresh_from_db()
    assert not composition.scan


# ---------------------------------------------------------------- exports


def _text(workbook: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(workbook))
    return "\n".join(
        str(cell)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if cell
    )


def test_a_filing_from_opening_to_export_over_the_api_alone(cast):
    supervisor, manager = Api(cast.supervisor), Api(cast.manager_a)
    campaign_id = supervisor.post("/api/campaigns", {"year": YEAR, "deadline": f"{YEAR}-12-31"}).json()["id"]
    board = manager.get(f"/api/campaigns/{campaign_id}").json()
    [row] = board["rows"]
    filing = f"/api/campaigns/filings/{row['filing_id']}"
    assert manager.post(f"{filing}/confirm-all").status_code == 200
    assert manager.upload(f"{filing}/scan", scan=scan(PDF)).status_code == 200
    assert manager.post(f"{filing}/submit").json()["state"] == "submitted"
    assert supervisor.post(f"{filing}/accept", {"comment": "已备案"}).json()["state"] == "accepted"

    kinds = {"xlsx": b"PK", "docx": b"PK", "pdf": b"%PDF"}
    for fmt, magic in kinds.items():
        response = manager.get(f"{filing}/export.{fmt}")
        assert response.status_code == 200, fmt
        assert response.content.startswith(magic), fmt
        assert "attachment" in response["Content-Disposition"]
    assert [e.after["format"] for e in events(AuditEvent.CAMPAIGN_FILING_EXPORTED)] == list(kinds)
    assert Api(cast.supervisor).get(f"{filing}/export.txt").status_code == 422

    summary = supervisor.get(f"/api/campaigns/{campaign_id}/summary.xlsx")
    assert summary.status_code == 200
    assert "作曲系教职工群" in _text(summary.content)
    refused = manager.get(f"/api/campaigns/{campaign_id}/summary.xlsx")
    assert (refused.status_code, refused.json()["message"]) == (403, "只有党委宣传部可以导出全校填报汇总表。")
    assert len(events(AuditEvent.CAMPAIGN_SUMMARY_EXPORTED)) == 1


def test_the_exported_form_masks_contacts_for_a_head(cast):
    _, composition, _ = opened(cast)
    url = f"/api/campaigns/filings/{composition.pk}/export.xlsx"
    full = _text(Api(cast.supervisor).get(url).content)
    masked = _text(Api(cast.head_a).get(url).content)
    assert "13800138000" in full
    assert "13800138000" not in masked
    assert "王建国" in masked
    assert Api(cast.manager_b).get(url).status_code == 404


def test_a_scan_lost_from_the_disk_is_a_clear_404(cast):
    _, composition, _ = opened(cast)
    url = f"/api/campaigns/filings/{composition.pk}/scan"
    Api(cast.manager_a).upload(url, scan=scan())
    composition.refresh_from_db()
    composition.scan.storage.delete(composition.scan.name)
    lost = Api(cast.manager_a).get(url)
    assert (lost.status_code, lost.json()["message"]) == (404, "签字盖章的登记表文件已丢失，请重新上传。")
