"""The supervisor moves a campaign's deadline; campaigns over REST, scoped exactly like the web."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from qunguan.auditlog.events import AuditEvent
from qunguan.auditlog.models import AuditLogEntry
from qunguan.campaigns import actions
from qunguan.notify.models import Notification
from qunguan.registry.errors import RegistryError
from tests.campaigns.helpers import YEAR, complete, filing_of, open_campaign, scan


class Api:
    def __init__(self, user):
        self.client = Client()
        self.client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")

    def get(self, url):
        return self.client.get(url)

    def post(self, url, body=None):
        return self.client.post(url, body or {}, content_type="application/json")


def deadline_notices(user) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, subject__contains="截止日期变更"))


# ---------------------------------------------------------------- changing the deadline


def test_the_supervisor_extends_the_deadline_and_only_units_not_yet_submitted_hear_of_it(cast):
    campaign = open_campaign(cast, units=[cast.composition, cast.vocal])
    complete(cast.manager_b, filing_of(campaign, cast.vocal))

    actions.do_change_deadline(cast.supervisor, campaign, deadline=dt.date(YEAR, 3, 17), reason="开学推迟")

    campaign.refresh_from_db()
    assert campaign.deadline == dt.date(YEAR, 3, 17)
    [notice] = deadline_notices(cast.manager_a)
    assert notice.subject == "2026年度群组备案填报截止日期变更为 3月17日"
    assert "由 3月10日延长至 3月17日" in notice.body
    assert "说明：开学推迟" in notice.body
    assert deadline_notices(cast.manager_b) == []  # 声乐系 has submitted
    entry = AuditLogEntry.objects.get(event_type=AuditEvent.CAMPAIGN_DEADLINE_CHANGED)
    assert entry.summary == "2026年度群组备案填报截止日期由 2026-03-10 变更为 2026-03-17：开学推迟"


def test_a_returned_filing_is_told_of_the_new_deadline(cast):
    campaign = open_campaign(cast, units=[cast.composition])
    filing = complete(cast.manager_a, filing_of(campaign, cast.composition))
    actions.do_return_filing(cast.supervisor, filing, comment="请补充群主联系方式")
    actions.do_change_deadline(cast.supervisor, campaign, deadline=dt.date(YEAR, 3, 8))
    [notice] = deadline_notices(cast.manager_a)
    assert "由 3月10日提前至 3月8日" in notice.body
    assert notice.severity == "high"


@pytest.mark.parametrize(
    ("deadline", "message"),
    [
        (dt.date(YEAR + 1, 3, 10), "截止日期应在 2026 年内。"),
        (dt.date(YEAR, 3, 10), "截止日期已是 2026-03-10，无需变更。"),
    ],
)
def test_a_bad_deadline_is_refused_in_chinese(cast, deadline, message):
    campaign = open_campaign(cast)
    with pytest.raises(RegistryError) as exc:
        actions.do_change_deadline(cast.supervisor, campaign, deadline=deadline)
    assert (exc.value.message, exc.value.field) == (message, "deadline")


def test_only_the_supervisor_moves_the_deadline_and_not_after_the_campaign_closed(cast):
    campaign = open_campaign(cast)
    with pytest.raises(RegistryError) as exc:
        actions.do_change_deadline(cast.manager_a, campaign, deadline=dt.date(YEAR, 3, 20))
    assert exc.value.message == "只有党委宣传部可以变更年度填报的截止日期。"
    actions.do_close_campaign(cast.supervisor, campaign)
    with pytest.raises(RegistryError) as exc:
        actions.do_change_deadline(cast.supervisor, campaign, deadline=dt.date(YEAR, 3, 20))
    assert exc.value.message == "2026年度的填报已经结束，不能再变更截止日期。"


# ---------------------------------------------------------------- REST


def test_a_filing_from_opened_to_accepted_over_the_api(cast):
    campaign = open_campaign(cast, units=[cast.composition, cast.vocal])
    filing = filing_of(campaign, cast.composition)
    manager, supervisor = Api(cast.manager_a), Api(cast.supervisor)

    [listed] = manager.get("/api/campaigns").json()
    assert (listed["year"], listed["counts"]["open"]) == (YEAR, 1)  # 作曲系 only

    refused = manager.post(f"/api/campaigns/filings/{filing.pk}/submit")
    assert refused.status_code == 422
    assert refused.json()["code"] == "incomplete"

    actions.do_confirm_remaining(cast.manager_a, filing)
    actions.do_upload_scan(cast.manager_a, filing, scan())
    submitted = manager.post(f"/api/campaigns/filings/{filing.pk}/submit")
    assert submitted.status_code == 200
    assert submitted.json()["state"] == "submitted"

    returned = supervisor.post(f"/api/campaigns/filings/{filing.pk}/return", {"comment": "请补充用途"})
    assert (returned.json()["state"], returned.json()["comment"]) == ("returned", "请补充用途")
    assert manager.post(f"/api/campaigns/filings/{filing.pk}/submit").json()["revision"] == 2
    accepted = supervisor.post(f"/api/campaigns/filings/{filing.pk}/accept", {"comment": "已备案"})
    assert accepted.json()["state"] == "accepted"

    board = supervisor.get(f"/api/campaigns/{campaign.pk}").json()
    assert [(r["unit"]["name"], r["state"]) for r in board["rows"]] == [
        ("作曲系", "accepted"),
        ("声乐系", "open"),
    ]
    detail = manager.get(f"/api/campaigns/filings/{filing.pk}").json()
    assert detail["entries"][0]["values"]["name"] == "作曲系教职工群"


def test_the_api_scopes_campaigns_like_the_web(cast):
    campaign = open_campaign(cast, units=[cast.composition, cast.vocal])
    vocal = filing_of(campaign, cast.vocal)
    manager_a, head_a = Api(cast.manager_a), Api(cast.head_a)

    board = manager_a.get(f"/api/campaigns/{campaign.pk}").json()
    assert [r["unit"]["name"] for r in board["rows"]] == ["作曲系"]
    assert manager_a.get(f"/api/campaigns/filings/{vocal.pk}").status_code == 404
    assert manager_a.post(f"/api/campaigns/filings/{vocal.pk}/submit").status_code == 404

    composition = filing_of(campaign, cast.composition)
    assert head_a.get(f"/api/campaigns/filings/{composition.pk}").status_code == 200
    assert head_a.post(f"/api/campaigns/filings/{composition.pk}/submit").status_code == 403
    refused = manager_a.post(f"/api/campaigns/filings/{composition.pk}/accept")
    assert refused.status_code == 403
    assert Api(cast.outsider).get("/api/campaigns").status_code == 403
    assert Api(cast.group_admin).get(f"/api/campaigns/{campaign.pk}").status_code == 404


def test_the_supervisor_moves_the_deadline_over_the_api(cast):
    campaign = open_campaign(cast)
    url = f"/api/campaigns/{campaign.pk}/deadline"
    moved = Api(cast.supervisor).post(url, {"deadline": "2026-03-13", "reason": "系统维护"})
    assert (moved.status_code, moved.json()["deadline"]) == (200, "2026-03-13")
    refused = Api(cast.manager_a).post(url, {"deadline": "2026-03-20"})
    assert refused.status_code == 403
    assert refused.json()["message"] == "只有党委宣传部可以变更年度填报的截止日期。"
    bad = Api(cast.supervisor).post(url, {"deadline": "2027-03-20"})
    assert (bad.status_code, bad.json()["field"]) == (422, "deadline")
