"""The campaign pages: who sees what, and each step through the web UI."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from qunguan.campaigns.models import Campaign, EntryDecision, FilingState
from qunguan.registry.models import Group

from .helpers import PDF, YEAR, complete, filing_of, open_campaign


def test_supervisor_opens_a_campaign_from_the_list(cast, client_for):
    client = client_for(cast.supervisor)
    response = client.post(reverse("campaign_open"), {"year": YEAR, "deadline": ""}, follow=True)
    campaign = Campaign.objects.get(year=YEAR)
    assert response.redirect_chain[-1][0] == reverse("campaign_board", args=[campaign.pk])
    page = response.content.decode()
    assert f"已发起{YEAR}年度群组备案填报，共 2 个单位。" in page
    assert 'data-unit="作曲系"' in page
    assert 'data-unit="声乐系"' in page


def test_a_unit_manager_cannot_open_a_campaign(cast, client_for):
    response = client_for(cast.manager_a).post(reverse("campaign_open"), {"year": YEAR})
    assert response.status_code == 403
    assert not Campaign.objects.exists()


def test_the_board_shows_a_manager_only_their_units(cast, client_for):
    campaign = open_campaign(cast)
    page = client_for(cast.manager_a).get(reverse("campaign_board", args=[campaign.pk])).content.decode()
    assert 'data-unit="作曲系"' in page
    assert "声乐系" not in page


@pytest.mark.parametrize("who", ["manager_b", "group_admin", "outsider"])
def test_others_get_not_found_for_a_units_filing(cast, client_for, who):
    filing = filing_of(open_campaign(cast), cast.composition)
    for name in ("campaign_filing", "campaign_scan_download"):
        assert client_for(getattr(cast, who)).get(reverse(name, args=[filing.pk])).status_code == 404
    url = reverse("campaign_filing_export", args=[filing.pk, "pdf"])
    assert client_for(getattr(cast, who)).get(url).status_code == 404


def test_a_unit_head_reads_the_filing_but_cannot_fill_it_in(cast, client_for):
    filing = filing_of(open_campaign(cast), cast.composition)
    client = client_for(cast.head_a)
    page = client.get(reverse("campaign_filing", args=[filing.pk])).content.decode()
    assert "作曲系教职工群" in page
    assert 'id="submit-filing"' not in page
    assert client.post(reverse("campaign_confirm_all", args=[filing.pk])).status_code == 403


def test_liaison_corrects_uploads_and_submits_through_the_pages(cast, client_for):
    filing = filing_of(open_campaign(cast), cast.composition)
    entry = filing.entries.get()
    client = client_for(cast.manager_a)
    fields = {"name": "作曲系教职工群", "purpose": "工作通知", "member_scope": "作曲系全体教职工"}
    response = client.post(
        reverse("campaign_entry", args=[filing.pk, entry.pk]),
        {
            **fields,
            "created_on": "2022-09-01",
            "member_count": "五十",
            "running_normally": "on",
            "do": "correct",
        },
        follow=True,
    )
    assert "“作曲系教职工群”：现有人数：“五十”不是人数。" in response.content.decode()
    client.post(
        reverse("campaign_entry", args=[filing.pk, entry.pk]),
        {
            **fields,
            "created_on": "2022-09-01",
            "member_count": "50",
            "running_normally": "on",
            "do": "correct",
        },
    )
    entry.refresh_from_db()
    assert (entry.decision, entry.corrections) == (EntryDecision.CORRECTED, {"member_count": 50})

    bad = client.post(
        reverse("campaign_scan", args=[filing.pk]),
        {"scan": SimpleUploadedFile("x.pdf", b"GIF89a")},
        follow=True,
    )
    assert "不是 PDF、JPG 或 PNG 格式的扫描件或照片" in bad.content.decode()
    client.post(reverse("campaign_scan", args=[filing.pk]), {"scan": SimpleUploadedFile("盖章.pdf", PDF)})
    response = client.post(reverse("campaign_submit", args=[filing.pk]), follow=True)
    assert "已提交，等待党委宣传部审核。" in response.content.decode()
    filing.refresh_from_db()
    assert filing.state == FilingState.SUBMITTED
    download = client.get(reverse("campaign_scan_download", args=[filing.pk]))
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == PDF

    Path(filing.scan.path).unlink()  # lost from disk (a restore without the uploads folder)
    lost = client.get(reverse("campaign_scan_download", args=[filing.pk]))
    assert lost.status_code == 404


def test_supervisor_returns_then_accepts_through_the_pages(cast, client_for):
    filing = complete(cast.manager_a, filing_of(open_campaign(cast), cast.composition))
    client = client_for(cast.supervisor)
    page = client.post(
        reverse("campaign_decide", args=[filing.pk]), {"do": "return", "comment": ""}, follow=True
    )
    assert "请填写退回意见，说明需要修改的内容。" in page.content.decode()
    client.post(reverse("campaign_decide", args=[filing.pk]), {"do": "return", "comment": "请补充管理办法"})
    filing.refresh_from_db()
    assert filing.state == FilingState.RETURNED
    assert (
        "请补充管理办法"
        in client_for(cast.manager_a).get(reverse("campaign_filing", args=[filing.pk])).content.decode()
    )
    client_for(cast.manager_a).post(reverse("campaign_submit", args=[filing.pk]))
    client.post(reverse("campaign_decide", args=[filing.pk]), {"do": "accept", "comment": ""})
    filing.refresh_from_db()
    assert filing.state == FilingState.ACCEPTED


def test_a_manager_cannot_decide(cast, client_for):
    filing = complete(cast.manager_a, filing_of(open_campaign(cast), cast.composition))
    assert (
        client_for(cast.manager_a)
        .post(reverse("campaign_decide", args=[filing.pk]), {"do": "accept"})
        .status_code
        == 403
    )


@pytest.mark.parametrize(
    ("fmt", "content_type"),
    [
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("pdf", "application/pdf"),
    ],
)
def test_the_filing_downloads_in_each_format(cast, client_for, fmt, content_type):
    filing = filing_of(open_campaign(cast), cast.composition)
    response = client_for(cast.manager_a).get(reverse("campaign_filing_export", args=[filing.pk, fmt]))
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert "attachment" in response["Content-Disposition"]


def test_only_the_supervisor_closes_a_campaign_from_the_board(cast, client_for):
    campaign = open_campaign(cast)
    url = reverse("campaign_close", args=[campaign.pk])
    for user in (cast.manager_a, cast.head_a):
        assert client_for(user).post(url).status_code == 403
    campaign.refresh_from_db()
    assert campaign.closed_at is None
    assert client_for(cast.supervisor).post(url).status_code == 302
    campaign.refresh_from_db()
    assert campaign.closed_at is not None


def test_summary_download_is_for_the_supervisor(cast, client_for):
    campaign = open_campaign(cast)
    url = reverse("campaign_summary", args=[campaign.pk])
    assert client_for(cast.supervisor).get(url).status_code == 200
    assert client_for(cast.manager_a).get(url).status_code == 403


def test_nav_shows_the_campaigns_to_unit_roles_only(cast, client_for):
    assert "年度填报" in client_for(cast.manager_a).get(reverse("dashboard")).content.decode()
    assert "年度填报" not in client_for(cast.group_admin).get(reverse("dashboard")).content.decode()
    assert client_for(cast.outsider).get(reverse("campaign_list")).status_code == 403


def test_an_accepted_correction_reaches_the_group_page_history(cast, client_for):
    filing = filing_of(open_campaign(cast), cast.composition)
    from qunguan.campaigns import actions

    actions.do_review_entry(cast.manager_a, filing.entries.get(), changes={"member_count": 41})
    complete(cast.manager_a, filing)
    actions.do_accept_filing(cast.supervisor, filing)
    assert Group.objects.get(pk=cast.group_a.pk).member_count == 41


def test_supervisor_moves_the_deadline_from_the_board(cast, client_for):
    campaign = open_campaign(cast)
    board = reverse("campaign_board", args=[campaign.pk])
    page = client_for(cast.supervisor).get(board).content.decode()
    assert 'id="deadline-form"' in page
    response = client_for(cast.supervisor).post(
        reverse("campaign_deadline", args=[campaign.pk]),
        {"deadline": f"{YEAR}-03-20", "reason": "开学推迟"},
        follow=True,
    )
    assert "截止日期已变更为 3月20日，已通知尚未提交的单位。" in response.content.decode()
    campaign.refresh_from_db()
    assert campaign.deadline.isoformat() == f"{YEAR}-03-20"


def test_a_bad_deadline_from_the_board_is_refused_in_chinese(cast, client_for):
    campaign = open_campaign(cast)
    client = client_for(cast.supervisor)
    url = reverse("campaign_deadline", args=[campaign.pk])
    page = client.post(url, {"deadline": "下周"}, follow=True).content.decode()
    assert "请填写新的截止日期（年-月-日）。" in page
    page = client.post(url, {"deadline": f"{YEAR + 1}-03-10"}, follow=True).content.decode()
    assert f"截止日期应在 {YEAR} 年内。" in page


def test_a_unit_manager_neither_sees_nor_uses_the_deadline_form(cast, client_for):
    campaign = open_campaign(cast)
    client = client_for(cast.manager_a)
    assert (
        'id="deadline-form"' not in client.get(reverse("campaign_board", args=[campaign.pk])).content.decode()
    )
    response = client.post(reverse("campaign_deadline", args=[campaign.pk]), {"deadline": f"{YEAR}-03-20"})
    assert response.status_code == 403
