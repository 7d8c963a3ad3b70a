"""A campaign filing as the annex form (XLSX, DOCX, PDF), and the school-wide summary workbook.

The form is built from the filing's entries as the unit stated them (corrections over the
registry snapshot), not from today's registry: what is printed is what was filed. Contacts
come from the roster, masked for users who may not see personal data.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from qunguan.auditlog import log
from qunguan.auditlog.events import AuditEvent
from qunguan.campaigns.access import visible_filings
from qunguan.campaigns.actions import _require_supervisor
from qunguan.campaigns.models import Campaign, Filing, FilingEntry
from qunguan.campaigns.progress import progress
from qunguan.filing.actions import _UNSAFE, WRITERS
from qunguan.filing.form import (
    NO,
    YES,
    FilingColumn,
    FilingForm,
    _person_line,
    arrange_columns,
    assemble_form,
    chinese_date,
)
from qunguan.filing.summary_writer import GroupLine, UnitLine, write_summary
from qunguan.registry import access, errors
from qunguan.registry.errors import RegistryError
from qunguan.registry.models import Person, Platform

PLATFORM_LABELS = dict(Platform.choices)


def _column(
    category: str, entry: FilingEntry, unit_id: int, people: dict[int, Person], reveal: bool
) -> FilingColumn:
    owner = people.get(entry.snapshot.get("owner_id") or 0)
    admins = [people[i] for i in entry.snapshot.get("admin_ids", []) if i in people]
    created = entry.value("created_on")
    return FilingColumn(
        category=category,
        sub_unit="" if entry.snapshot.get("unit_id") == unit_id else str(entry.snapshot.get("unit", "")),
        name=str(entry.value("name") or ""),
        account=str(entry.snapshot.get("account", "")),
        owner=_person_line(owner, reveal) if owner else str(entry.snapshot.get("owner", "")),
        admins="\n".join(_person_line(p, reveal) for p in admins),
        purpose=str(entry.value("purpose") or ""),
        created_on=chinese_date(dt.date.fromisoformat(created)) if created else "",
        member_count=entry.value("member_count"),
        running=YES if entry.value("running_normally") else NO,
        has_rules=YES if entry.snapshot.get("has_rules") else NO,
        group_id=entry.group_id,
    )


def filing_form(filing: Filing, *, reveal_contacts: bool, filing_date: dt.date | None = None) -> FilingForm:
    """Return the annex form of ``filing`` as the unit stated it."""
    entries = list(filing.entries.order_by("pk"))
    ids = {e.snapshot.get("owner_id") for e in entries} | {
        i for e in entries for i in e.snapshot.get("admin_ids", [])
    }
    people = Person.objects.in_bulk([i for i in ids if i])
    columns = arrange_columns(
        [(str(e.snapshot.get("platform", "")), e) for e in entries],
        lambda category, entry: _column(category, entry, filing.unit_id, people, reveal_contacts),
    )
    submitter = filing.submitted_by
    filler = ""
    if submitter is not None:
        person = getattr(submitter, "person", None)
        filler = person.name if person else (submitter.display_name or submitter.get_username())
    day = filing_date or (
        timezone.localdate(filing.submitted_at) if filing.submitted_at else timezone.localdate()
    )
    return assemble_form(
        filing.unit,
        columns,
        filing_date=day,
        school=settings.QUNGUAN_SCHOOL_NAME,
        filler=filler,
        reveal_contacts=reveal_contacts,
    )


def _safe(name: str) -> str:
    return _UNSAFE.sub("_", name).strip() or "单位"


@transaction.atomic
def do_export_campaign_filing(actor: Any, filing: Filing, fmt: str) -> tuple[str, bytes]:
    """Return ``(filename, content)`` of ``filing`` in the annex layout as "xlsx", "docx" or "pdf".

    The supervisor and the unit roles of the unit's subtree may export; contacts are masked
    unless ``access.can_see_personal_data``. One ``CAMPAIGN_FILING_EXPORTED`` entry.

    Raises RegistryError: ``out_of_scope``, ``invalid`` for an unknown format.
    """
    if actor is not None and not visible_filings(actor).filter(pk=filing.pk).exists():
        raise RegistryError(errors.OUT_OF_SCOPE, f"您无权查看单位“{filing.unit.name}”的填报。")
    writer = WRITERS.get(fmt)
    if writer is None:
        raise RegistryError(
            errors.INVALID, f"不支持的导出格式“{fmt}”，请选择 xlsx、docx 或 pdf。", field="fmt"
        )
    reveal = actor is None or access.can_see_personal_data(actor, filing.unit)
    form = filing_form(filing, reveal_contacts=reveal)
    content = writer(form)
    year = filing.campaign.year
    log.append(
        actor=actor,
        event=AuditEvent.CAMPAIGN_FILING_EXPORTED,
        obj=filing,
        unit_path=filing.unit.path,
        summary=f"导出“{filing.unit.name}”{year}年度备案登记表（{fmt.upper()}）",
        after={
            "format": fmt,
            "groups": form.group_ids,
            "contacts": "masked" if form.contacts_masked else "full",
        },
    )
    return f"{_safe(filing.unit.name)}-{year}年度备案登记表.{fmt}", content


@transaction.atomic
def do_export_campaign_summary(
    actor: Any, campaign: Campaign, *, today: dt.date | None = None
) -> tuple[str, bytes]:
    """Return ``(filename, content)`` of the school-wide summary workbook of ``campaign`` (supervisor only).

    Sheet 填报进度: one row per unit; sheet 群组汇总: one row per group as filed. Names only,
    no contacts. One ``CAMPAIGN_SUMMARY_EXPORTED`` entry.
    """
    _require_supervisor(actor, "导出全校填报汇总表")
    rows = progress(campaign.filings.all(), today=today)
    units = [
        UnitLine(
            unit=r.filing.unit.name,
            state=r.state_label,
            groups=r.groups,
            confirmed=r.confirmed,
            corrected=r.corrected,
            pending=r.pending,
            scan="已上传" if r.filing.scan else "未上传",
            submitted_at=timezone.localtime(r.filing.submitted_at).strftime("%Y-%m-%d %H:%M")
            if r.filing.submitted_at
            else "",
            timeliness="逾期未交" if r.overdue else ("逾期提交" if r.late else ""),
            comment=r.filing.comment,
        )
        for r in rows
    ]
    groups = [
        GroupLine(
            unit=e.filing.unit.name,
            sub_unit=str(e.snapshot.get("unit", "")),
            platform=str(PLATFORM_LABELS.get(e.snapshot.get("platform", ""), e.snapshot.get("platform", ""))),
            name=str(e.value("name") or ""),
            account=str(e.snapshot.get("account", "")),
            owner=str(e.snapshot.get("owner", "")),
            admins="、".join(e.snapshot.get("admins", [])),
            purpose=str(e.value("purpose") or ""),
            created_on=str(e.value("created_on") or ""),
            member_count=int(e.value("member_count") or 0),
            running=YES if e.value("running_normally") else NO,
            has_rules=YES if e.snapshot.get("has_rules") else NO,
            decision=e.get_decision_display(),
        )
        for e in FilingEntry.objects.filter(filing__campaign=campaign)
        .select_related("filing__unit")
        .order_by("filing__unit__path", "pk")
    ]
    content = write_summary(f"{campaign.year}年度群组备案填报汇总", units, groups)
    log.append(
        actor=actor,
        event=AuditEvent.CAMPAIGN_SUMMARY_EXPORTED,
        obj=campaign,
        summary=f"导出{campaign.year}年度全校群组备案填报汇总表",
        after={"units": len(units), "groups": len(groups)},
    )
    return f"{campaign.year}年度群组备案填报汇总.xlsx", content
