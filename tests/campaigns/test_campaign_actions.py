"""The filing campaign (年度填报, 3(7)): opening, the unit's answer, the supervisor's decision."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings

from qunguan.auditlog.events import AuditEvent
from qunguan.auditlog.models import AuditLogEntry
from qunguan.campaigns import actions
from qunguan.campaigns import errors as codes
from qunguan.campaigns.models import EntryDecision, FilingState
from qunguan.notify.models import Notification
from qunguan.registry import actions as registry_actions
from qunguan.registry import errors
from qunguan.registry.errors import RegistryError
from qunguan.registry.models import Group

from .helpers import JPG, PNG, YEAR, at, complete, filing_of, open_campaign, scan


def events(event: AuditEvent):
    return AuditLogEntry.objects.filter(event_type=event)


# ---------------------------------------------------------------- opening


def test_supervisor_opens_a_campaign_due_on_10_march(cast):
    campaign = open_campaign(cast)
    assert campaign.deadline == dt.date(YEAR, 3, 10)
    assert {f.unit.name for f in campaign.filings.all()} == {"作曲系", "声乐系"}
    [entry] = filing_of(campaign, cast.composition).entries.all()
    assert entry.group == cast.group_a
    assert entry.snapshot["name"] == "作曲系教职工群"
    assert entry.snapshot["member_count"] == 45
    assert entry.snapshot["admins"] == ["王建国"]
    assert entry.decision == EntryDecision.PENDING
    [opened] = events(AuditEvent.CAMPAIGN_OPENED)
    assert opened.summary == f"发起{YEAR}年度群组备案填报，截止 {YEAR}-03-10，2 个单位"


def test_a_class_group_is_filed_by_its_college(cast):
    registry_actions.do_register_group(
        cast.manager_a,
        platform="wechat",
        account="wx-2023-1",
        name="作曲2023级1班班级群",
        unit=cast.composition_class,
    )
    campaign = open_campaign(cast)
    names = {e.snapshot["name"] for e in filing_of(campaign, cast.composition).entries.all()}
    assert names == {"作曲系教职工群", "作曲2023级1班班级群"}
    assert not campaign.filings.filter(unit=cast.composition_class).exists()


def test_dissolved_groups_are_not_filed(cast):
    registry_actions.do_dissolve_group(cast.manager_b, cast.group_b, on=dt.date(YEAR, 1, 5))
    campaign = open_campaign(cast)
    assert not filing_of(campaign, cast.vocal).entries.exists()


def test_liaisons_are_notified_when_a_campaign_opens(cast):
    campaign = open_campaign(cast)
    notice = Notification.objects.get(recipient=cast.manager_a)
    assert notice.subject == f"请填报{YEAR}年度群组备案登记表"
    assert notice.link.endswith(f"/campaigns/filings/{filing_of(campaign, cast.composition).pk}/")
    assert Notification.objects.filter(recipient=cast.manager_b).count() == 1


@pytest.mark.parametrize("who", ["manager_a", "head_a", "group_admin", "outsider"])
def test_only_the_supervisor_opens_a_campaign(cast, who):
    with pytest.raises(RegistryError) as exc:
        actions.do_open_campaign(getattr(cast, who), year=YEAR)
    assert exc.value.code == errors.OUT_OF_SCOPE
    assert exc.value.message == "只有党委宣传部可以发起年度填报。"


def test_a_year_has_one_campaign(cast):
    open_campaign(cast)
    with pytest.raises(RegistryError) as exc:
        open_campaign(cast)
    assert exc.value.code == codes.DUPLICATE_CAMPAIGN
    assert exc.value.message == f"{YEAR}年度的填报已经发起过。"


def test_a_deadline_outside_the_year_is_refused(cast):
    with pytest.raises(RegistryError) as exc:
        actions.do_open_campaign(cast.supervisor, year=YEAR, deadline=dt.date(YEAR + 1, 3, 10))
    assert exc.value.field == "deadline"


# ---------------------------------------------------------------- the unit's answer


def test_liaison_corrects_a_group_and_only_real_changes_count(cast):
    filing = filing_of(open_campaign(cast), cast.composition)
    entry = filing.entries.get()
    actions.do_review_entry(cast.manager_a, entry, changes={"member_count": "52", "name": "作曲系教职工群"})
    entry.refresh_from_db()
    assert entry.decision == EntryDecision.CORRECTED
    assert entry.corrections == {"member_count": 52}
    [logged] = events(AuditEvent.FILING_ENTRY_CORRECTED)
    assert logged.summary == f"“作曲系”{YEAR}年度填报：更正群组“作曲系教职工群”的现有人数"
    assert logged.before["registered"] == {"member_count": 45}


def test_changes_equal_to_the_registry_confirm_the_entry(cast):
    entry = filing_of(open_campaign(cast), cast.composition).entries.get()
    actions.do_review_entry(cast.manager_a, entry, changes={"member_count": 45})
    entry.refresh_from_db()
    assert entry.decision == EntryDecision.CONFIRMED
    assert events(AuditEvent.FILING_ENTRY_CONFIRMED).count() == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"member_count": "五十"}, "现有人数：“五十”不是人数。"),
        ({"member_count": -1}, "现有人数：不能为负数。"),
        ({"name": "  "}, "名称：不能为空。"),
        ({"created_on": "2022/09/01"}, "创建时间：“2022/09/01”不是日期（格式 YYYY-MM-DD）。"),
        ({"account": "1"}, "字段“account”不能在填报中更正。"),
    ],
)
def test_bad_corrections_are_refused_naming_the_field(cast, changes, message):
    entry = filing_of(open_campaign(cast), cast.composition).entries.get()
    with pytest.raises(RegistryError) as exc:
        actions.do_review_entry(cast.manager_a, entry, changes=changes)
    assert exc.value.message == message
    assert exc.value.field == next(iter(changes))


def test_manager_of_vocal_cannot_answer_for_composition(cast):
    entry = filing_of(open_campaign(cast), cast.composition).entries.get()
    with pytest.raises(RegistryError) as exc:
        actions.do_review_entry(cast.manager_b, entry)
    assert exc.value.message == "您无权管理单位“作曲系”的数据。"


@pytest.mark.parametrize(("content", "kind"), [(b"%PDF-1.7\n", "pdf"), (PNG, "png"), (JPG, "jpg")])
def test_the_signed_form_is_stored_under_the_data_directory_by_its_content_type(cast, content, kind):
    filing = filing_of(open_campaign(cast), cast.composition)
    actions.do_upload_scan(cast.manager_a, filing, scan(content, name="scan.bin"))
    filing.refresh_from_db()
    assert filing.scan_type == kind
    assert filing.scan_name == "scan.bin"
    stored = Path(filing.scan.path)
    assert stored.is_relative_to(Path(settings.MEDIA_ROOT) / "filing-scans" / str(YEAR))
    assert stored.suffix == f".{kind}"
    assert stored.read_bytes() == content


def test_a_word_file_named_pdf_is_not_a_signed_form(cast):
    filing = filing_of(open_campaign(cast), cast.composition)
    with pytest.raises(RegistryError) as exc:
        actions.do_upload_scan(cast.manager_a, filing, scan(b"PK\x03\x04 word", name="登记表.pdf"))
    assert exc.value.code == codes.BAD_SCAN
    assert (
        exc.value.message
        == "文件“登记表.pdf”不是 PDF、JPG 或 PNG 格式的扫描件或照片，请上传签字盖章后的登记表扫描件。"
    )


def test_a_signed_form_over_the_size_limit_is_refused(cast, settings):
    settings.QUNGUAN_FILING_SCAN_MAX_BYTES = 1024 * 1024
    filing = filing_of(open_campaign(cast), cast.composition)
    with pytest.raises(RegistryError) as exc:
        actions.do_upload_scan(cast.manager_a, filing, scan(b"%PDF-" + b"0" * 2 * 1024 * 1024))
    assert (
        exc.value.message == "文件“备案登记表-签字盖章.pdf”过大（2.0 MB），签字盖章的登记表不能超过 1.0 MB。"
    )


def test_submitting_needs_every_group_answered_and_the_signed_form(cast):
    filing = filing_of(open_campaign(cast), cast.composition)
    with pytest.raises(RegistryError) as exc:
        actions.do_submit_filing(cast.manager_a, filing)
    assert exc.value.code == codes.INCOMPLETE
    assert exc.value.message == "还有 1 个群组未确认或更正：作曲系教职工群。"
    actions.do_confirm_remaining(cast.manager_a, filing)
    with pytest.raises(RegistryError) as exc:
        actions.do_submit_filing(cast.manager_a, filing)
    assert exc.value.message == "请先上传签字盖章的备案登记表（PDF、JPG 或 PNG）。"


def test_a_submitted_filing_cannot_be_changed_and_the_supervisor_is_told(cast):
    filing = complete(cast.manager_a, filing_of(open_campaign(cast), cast.composition))
    assert filing.state == FilingState.SUBMITTED
    assert filing.revision == 1
    assert Notification.objects.filter(recipient=cast.supervisor, subject__contains="作曲系提交了").exists()
    with pytest.raises(RegistryError) as exc:
        actions.do_review_entry(cast.manager_a, filing.entries.get())
    assert exc.value.code == codes.WRONG_STATE
    assert exc.value.message == "“作曲系”的填报已提交，不能再修改。"


# ---------------------------------------------------------------- the supervisor's decision


def test_returned_filing_is_revised_resubmitted_and_accepted_into_the_registry(cast):
    filing = complete(cast.manager_a, filing_of(open_campaign(cast), cast.composition))
    with pytest.raises(RegistryError) as exc:
        actions.do_return_filing(cast.supervisor, filing, comment=" ")
    assert exc.value.message == "请填写退回意见，说明需要修改的内容。"
    actions.do_return_filing(cast.supervisor, filing, comment="现有人数与群成员名单不符，请核实。")
    assert filing.state == FilingState.RETURNED
    assert Notification.objects.filter(recipient=cast.manager_a, subject__endswith="被退回").exists()

    entry = filing.entries.get()
    actions.do_review_entry(
        cast.manager_a,
        entry,
        changes={"member_count": 38, "purpose": "工作通知与教学安排", "created_on": "2022-09-05"},
    )
    actions.do_upload_scan(cast.manager_a, filing, scan(PNG, name="重新盖章.png"))
    actions.do_submit_filing(cast.manager_a, filing)
    assert filing.revision == 2
    actions.do_accept_filing(cast.supervisor, filing, comment="已备案")

    group = Group.objects.get(pk=cast.group_a.pk)
    assert (group.member_count, group.purpose, group.created_on) == (
        38,
        "工作通知与教学安排",
        dt.date(2022, 9, 5),
    )
    history = AuditLogEntry.objects.filter(
        event_type=AuditEvent.GROUP_CHANGED, object_type="group", object_id=str(group.pk)
    ).get()
    assert history.before == {"member_count": 45, "purpose": "工作通知", "created_on": "2022-09-01"}
    assert history.actor == cast.supervisor
    [accepted] = events(AuditEvent.FILING_ACCEPTED)
    assert accepted.after["groups_updated"] == [group.pk]
    assert Notification.objects.filter(recipient=cast.manager_a, subject__endswith="已通过").exists()


def test_a_confirmed_filing_leaves_the_registry_as_it_is(cast):
    filing = complete(cast.manager_a, filing_of(open_campaign(cast), cast.composition))
    actions.do_accept_filing(cast.supervisor, filing)
    assert not events(AuditEvent.GROUP_CHANGED).exists()


@pytest.mark.parametrize("who", ["manager_a", "head_a", "manager_b"])
def test_only_the_supervisor_accepts_or_returns(cast, who):
    filing = complete(cast.manager_a, filing_of(open_campaign(cast), cast.composition))
    for step in (actions.do_accept_filing, actions.do_return_filing):
        with pytest.raises(RegistryError) as exc:
            step(getattr(cast, who), filing, comment="x")
        assert exc.value.message == "只有党委宣传部可以审核年度填报。"


def test_an_open_filing_cannot_be_accepted(cast):
    filing = filing_of(open_campaign(cast), cast.composition)
    with pytest.raises(RegistryError) as exc:
        actions.do_accept_filing(cast.supervisor, filing)
    assert exc.value.message == "“作曲系”的填报待填报，只能审核已提交的填报。"


def test_after_the_campaign_closes_nothing_can_be_submitted(cast):
    campaign = open_campaign(cast)
    actions.do_close_campaign(cast.supervisor, campaign)
    with pytest.raises(RegistryError) as exc:
        actions.do_confirm_remaining(cast.manager_a, filing_of(campaign, cast.composition))
    assert exc.value.message == f"{YEAR}年度的填报已经结束，不能再修改。"


def test_every_step_writes_one_audit_entry(cast):
    filing = filing_of(open_campaign(cast), cast.composition)
    before = AuditLogEntry.objects.count()
    actions.do_confirm_remaining(cast.manager_a, filing)
    actions.do_upload_scan(cast.manager_a, filing, scan())
    actions.do_submit_filing(cast.manager_a, filing, now=at(dt.date(YEAR, 3, 12)))
    actions.do_accept_filing(cast.supervisor, filing)
    assert AuditLogEntry.objects.count() == before + 4
    assert events(AuditEvent.FILING_SUBMITTED).get().after["late"] is True


def test_a_group_registered_after_opening_can_be_added_to_its_units_filing(cast):
    campaign = open_campaign(cast)
    filing = filing_of(campaign, cast.composition)
    registry_actions.do_register_group(
        cast.manager_a,
        platform="qq",
        account="700100",
        name="作曲2023级1班班级群",
        unit=cast.composition_class,
    )
    registry_actions.do_register_group(
        cast.manager_b, platform="qq", account="700200", name="声乐系学生群", unit=cast.vocal
    )
    assert actions.do_add_new_groups(cast.manager_a, filing) == 1
    assert actions.do_add_new_groups(cast.manager_a, filing) == 0
    assert {e.snapshot["name"] for e in filing.entries.all()} == {"作曲系教职工群", "作曲2023级1班班级群"}
    [logged] = events(AuditEvent.FILING_GROUPS_ADDED)
    assert logged.summary == f"“作曲系”{YEAR}年度填报补充新登记的群组：作曲2023级1班班级群"
