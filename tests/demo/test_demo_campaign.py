"""The demo opens a March filing campaign with units in every state, so the board is filled."""

from __future__ import annotations

from qunguan.accounts.models import User
from qunguan.auditlog.events import AuditEvent
from qunguan.auditlog.models import AuditLogEntry
from qunguan.campaigns.access import visible_filings
from qunguan.campaigns.models import Campaign, FilingState
from qunguan.campaigns.progress import counts, progress
from qunguan.registry.models import Group


def states() -> dict[str, str]:
    campaign = Campaign.objects.get()
    return {f.unit.name: f.state for f in campaign.filings.select_related("unit")}


def test_the_demo_campaign_is_this_years_with_the_march_deadline(demo):
    campaign = Campaign.objects.get()
    assert (campaign.deadline.month, campaign.deadline.day) == (3, 10)
    assert campaign.is_open
    assert "年度备案填报" in demo.output


def test_the_demo_board_shows_every_state(demo):
    by_unit = states()
    assert by_unit["作曲系"] == FilingState.OPEN
    assert by_unit["声乐系"] == FilingState.RETURNED
    assert by_unit["器乐系"] == FilingState.SUBMITTED
    assert by_unit["教务处"] == FilingState.ACCEPTED
    assert set(by_unit.values()) == set(FilingState.values)


def test_the_accepted_correction_reached_the_registry(demo):
    academic = Campaign.objects.get().filings.get(unit__name="教务处")
    [entry] = [e for e in academic.entries.all() if e.corrections]
    assert Group.objects.get(pk=entry.group_id).purpose.endswith("；期末考试安排")


def test_the_demo_campaign_was_made_through_the_actions(demo):
    events = set(AuditLogEntry.objects.values_list("event_type", flat=True))
    for event in (
        AuditEvent.CAMPAIGN_OPENED,
        AuditEvent.FILING_SUBMITTED,
        AuditEvent.FILING_RETURNED,
        AuditEvent.FILING_ACCEPTED,
        AuditEvent.FILING_ENTRY_CORRECTED,
    ):
        assert event in events


def test_each_demo_login_sees_its_part_of_the_board(demo):
    zuoqu = User.objects.get(username="zuoqu")
    assert [r.filing.unit.name for r in progress(visible_filings(zuoqu))] == ["作曲系"]
    supervisor = User.objects.get(username="xuanchuan")
    board = counts(progress(visible_filings(supervisor)))
    assert board["accepted"] == 1
    assert board["submitted"] == 1
    assert board["returned"] == 1
    assert board["open"] >= 1
