"""``do_export_filing``: who may export which unit, what is masked, and the audit entry it writes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from filing_files import add_group, read_form

from qunguan.auditlog.events import AuditEvent
from qunguan.auditlog.models import AuditLogEntry
from qunguan.filing import do_export_filing
from qunguan.filing.form import build_filing_form
from qunguan.registry import errors
from qunguan.registry.errors import RegistryError

FILING_DATE = dt.date(2025, 3, 5)


def exports():
    return AuditLogEntry.objects.filter(event_type=AuditEvent.FILING_EXPORTED)


@pytest.mark.parametrize(("fmt", "magic"), [("xlsx", b"PK"), ("docx", b"PK")])
def test_filename_names_unit_form_and_date(cast, fmt, magic):
    filename, content = do_export_filing(cast.supervisor, cast.composition, fmt, filing_date=FILING_DATE)
    assert filename == f"作曲系-备案登记表-2025-03-05.{fmt}"
    assert content.startswith(magic)


def test_filing_date_defaults_to_today(cast):
    filename, content = do_export_filing(cast.supervisor, cast.composition, "xlsx")
    today = timezone.localdate()
    assert filename == f"作曲系-备案登记表-{today:%Y-%m-%d}.xlsx"
    assert f"填报日期：{today.year}年{today.month}月{today.day}日" in read_form("xlsx", content).texts


def test_a_unit_name_cannot_leave_the_download_folder(cast):
    from qunguan.registry import actions

    actions.do_update_unit(None, cast.composition_class, name="作曲/2023级:1班")
    filename, _ = do_export_filing(cast.supervisor, cast.composition_class, "docx", filing_date=FILING_DATE)
    assert filename == "作曲_2023级_1班-备案登记表-2025-03-05.docx"


@pytest.mark.parametrize(
    ("who", "unit"),
    [
        ("supervisor", "composition"),
        ("supervisor", "vocal"),
        ("manager_a", "composition"),
        ("manager_a", "composition_class"),
        ("manager_b", "vocal"),
    ],
)
def test_supervisor_and_unit_managers_export_their_units(cast, who, unit):
    filename, _ = do_export_filing(getattr(cast, who), getattr(cast, unit), "xlsx", filing_date=FILING_DATE)
    assert filename.endswith("-备案登记表-2025-03-05.xlsx")


def test_the_system_exports_any_unit(cast):
    filename, _ = do_export_filing(None, cast.vocal, "docx", filing_date=FILING_DATE)
    assert filename == "声乐系-备案登记表-2025-03-05.docx"
    assert exports().get().actor_label == "system"


def test_manager_of_vocal_cannot_export_composition(cast):
    with pytest.raises(RegistryError) as exc:
        do_export_filing(cast.manager_b, cast.composition, "xlsx", filing_date=FILING_DATE)
    assert exc.value.code == errors.OUT_OF_SCOPE
    assert exc.value.message == "您无权管理单位“作曲系”的数据。"
    assert not exports().exists()


@pytest.mark.parametrize("who", ["manager_a", "head_a", "group_admin", "outsider"])
def test_no_one_but_the_supervisor_exports_the_whole_school(cast, who):
    with pytest.raises(RegistryError) as exc:
        do_export_filing(getattr(cast, who), cast.school, "xlsx", filing_date=FILING_DATE)
    assert exc.value.message == "您无权管理单位“四川示例音乐学院党委”的数据。"


@pytest.mark.parametrize("who", ["head_a", "group_admin", "outsider"])
def test_roles_that_do_not_manage_the_unit_cannot_export_it(cast, who):
    with pytest.raises(RegistryError) as exc:
        do_export_filing(getattr(cast, who), cast.composition, "docx", filing_date=FILING_DATE)
    assert exc.value.code == errors.OUT_OF_SCOPE


def test_an_unknown_format_is_refused(cast):
    with pytest.raises(RegistryError) as exc:
        do_export_filing(cast.supervisor, cast.composition, "odt", filing_date=FILING_DATE)
    assert exc.value.code == errors.INVALID
    assert exc.value.message == "不支持的导出格式“odt”，请选择 xlsx、docx 或 pdf。"
    assert not exports().exists()


def test_export_writes_one_audit_entry(cast):
    wechat = add_group(cast, platform="wechat", account="wx-zuoqu-01", name="作曲系通知群")
    do_export_filing(cast.manager_a, cast.composition, "docx", filing_date=FILING_DATE)
    entry = exports().get()
    assert entry.actor_label == "zuoqu"
    assert (entry.object_type, entry.object_id) == ("unit", str(cast.composition.pk))
    assert entry.unit_path == cast.composition.path
    assert entry.summary == "导出“作曲系”的备案登记表（DOCX，2 个群组）"
    assert entry.after["format"] == "docx"
    assert entry.after["filing_date"] == "2025-03-05"
    assert entry.after["groups"] == [wechat.pk, cast.group_a.pk]  # in column order
    assert entry.after["contacts"] == "full"
    assert AuditEvent(entry.event_type).label == "导出备案登记表"


@pytest.mark.parametrize("fmt", ["xlsx", "docx"])
@pytest.mark.parametrize("who", ["supervisor", "manager_a"])
def test_contacts_are_in_full_for_who_answers_for_the_unit(cast, fmt, who):
    _, content = do_export_filing(getattr(cast, who), cast.composition, fmt, filing_date=FILING_DATE)
    assert read_form(fmt, content).column("QQ群1")["创建者及联系方式"] == "王建国 13800138000"


@pytest.mark.parametrize("fmt", ["xlsx", "docx"])
def test_contacts_are_masked_for_a_user_without_need_to_see_them(cast, fmt, monkeypatch):
    # Today everyone who may export a unit may also see its contacts; the export still asks
    # access.can_see_personal_data, so a narrower policy (e.g. an exporting reviewer) masks.
    from qunguan.filing import actions

    monkeypatch.setattr(actions.access, "can_see_personal_data", lambda user, unit=None: False)
    _, content = do_export_filing(cast.manager_a, cast.composition, fmt, filing_date=FILING_DATE)
    column = read_form(fmt, content).column("QQ群1")
    assert column["创建者及联系方式"] == "王建国 138****8000"
    assert column["管理员及联系方式"] == "王建国 138****8000"
    assert "13800138000" not in repr(read_form(fmt, content))
    assert exports().get().after["contacts"] == "masked"


def test_the_form_masks_phone_and_email_without_need(cast):
    from qunguan.registry import actions

    actions.do_update_person(None, cast.teacher_a, email="wangjianguo@example.edu.cn")
    form = build_filing_form(cast.composition, filing_date=FILING_DATE, school="本校", reveal_contacts=False)
    [column] = [c for c in form.columns if c.group_id == cast.group_a.pk]
    assert column.owner == "王建国 138****8000\nw***@example.edu.cn"
    assert form.contacts_masked
