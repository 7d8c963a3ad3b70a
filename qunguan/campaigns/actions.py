"""Every step of the filing campaign (年度填报): one function each, atomic, audit-logged, notified.

A supervisor opens a campaign; each filing unit gets a filing whose entries are snapshots of
its groups; the unit's liaison confirms or corrects each entry, uploads the signed and stamped
form and submits; the supervisor accepts (the corrections then flow into the registry through
its own actions, so each group's history records them) or returns it with comments.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from qunguan.auditlog import log
from qunguan.auditlog.events import AuditEvent
from qunguan.campaigns import errors as codes
from qunguan.campaigns import notices
from qunguan.campaigns.models import (
    CORRECTABLE_FIELDS,
    EDITABLE_STATES,
    Campaign,
    EntryDecision,
    Filing,
    FilingEntry,
    FilingReminder,
    FilingState,
)
from qunguan.campaigns.planning import group_snapshot, plan_filings
from qunguan.registry import access, errors
from qunguan.registry import actions as registry_actions
from qunguan.registry.errors import RegistryError
from qunguan.registry.models import Unit
from qunguan.uploads.scans import Problem, ScanRejected, inspect_scan

# The regulation asks for the form "每年3月上旬": the campaign's default deadline is 10 March.
DEFAULT_DEADLINE = (3, 10)


def _require_supervisor(actor: Any, what: str) -> None:
    if actor is not None and not access.is_supervisor(actor):
        raise RegistryError(errors.OUT_OF_SCOPE, f"只有党委宣传部可以{what}。")


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _today(now: dt.datetime | None) -> dt.date:
    return timezone.localdate(_now(now))


# ---------------------------------------------------------------- opening


@transaction.atomic
def do_open_campaign(
    actor: Any,
    *,
    year: int,
    deadline: dt.date | None = None,
    units: Iterable[Unit] | None = None,
    now: dt.datetime | None = None,
) -> Campaign:
    """Open the filing campaign of ``year`` and give each filing unit its pre-filled filing.

    ``deadline`` defaults to 10 March of ``year`` (Asia/Shanghai); ``units`` to the units
    ``plan_filings`` chooses. Notifies each unit's liaison. Writes one ``CAMPAIGN_OPENED`` entry.

    Raises RegistryError: ``out_of_scope`` for anyone but the supervisor,
    ``duplicate_campaign`` when the year has one, ``invalid`` for a bad year or deadline.
    """
    _require_supervisor(actor, "发起年度填报")
    if not 2000 <= year <= 2100:
        raise RegistryError(errors.INVALID, f"年度“{year}”无效，请填写四位年份，如 2026。", field="year")
    deadline = deadline or dt.date(year, *DEFAULT_DEADLINE)
    if deadline.year != year:
        raise RegistryError(errors.INVALID, f"截止日期应在 {year} 年内。", field="deadline")
    if Campaign.objects.filter(year=year).exists():
        raise RegistryError(codes.DUPLICATE_CAMPAIGN, f"{year}年度的填报已经发起过。", field="year")
    campaign = Campaign.objects.create(
        year=year,
        deadline=deadline,
        opened_by=actor if getattr(actor, "pk", None) else None,
        opened_at=_now(now),
    )
    plan = plan_filings(units)
    for unit, groups in plan.items():
        filing = Filing.objects.create(campaign=campaign, unit=unit)
        FilingEntry.objects.bulk_create(
            FilingEntry(filing=filing, group=group, snapshot=group_snapshot(group)) for group in groups
        )
        notices.notify(
            notices.liaisons(unit),
            subject=f"请填报{year}年度群组备案登记表",
            body=(
                f"{unit.name}：{year}年度群组备案填报已开始，请于 {deadline.month}月{deadline.day}日前"
                f"核对本单位 {len(groups)} 个群组的登记信息，上传签字盖章的登记表并提交。"
            ),
            link=notices.link("campaign_filing", filing.pk),
            key=f"campaign-{year}-opened-{unit.pk}",
        )
    log.append(
        actor=actor,
        event=AuditEvent.CAMPAIGN_OPENED,
        obj=campaign,
        summary=f"发起{year}年度群组备案填报，截止 {deadline:%Y-%m-%d}，{len(plan)} 个单位",
        after={
            "year": year,
            "deadline": deadline,
            "units": [u.pk for u in plan],
            "groups": sum(len(g) for g in plan.values()),
        },
    )
    return campaign


@transaction.atomic
def do_close_campaign(actor: Any, campaign: Campaign, *, now: dt.datetime | None = None) -> Campaign:
    """Close ``campaign``: no filing can be submitted afterwards. Writes one ``CAMPAIGN_CLOSED`` entry."""
    _require_supervisor(actor, "结束年度填报")
    if campaign.closed_at is not None:
        raise RegistryError(codes.WRONG_STATE, f"{campaign.year}年度的填报已经结束。")
    campaign.closed_at = _now(now)
    campaign.save(update_fields=["closed_at"])
    states = {state: campaign.filings.filter(state=state).count() for state in FilingState.values}
    log.append(
        actor=actor,
        event=AuditEvent.CAMPAIGN_CLOSED,
        obj=campaign,
        summary=f"结束{campaign.year}年度群组备案填报",
        after={"states": states},
    )
    return campaign


@transaction.atomic
def do_change_deadline(
    actor: Any, campaign: Campaign, *, deadline: dt.date, reason: str = "", now: dt.datetime | None = None
) -> Campaign:
    """Move the deadline of ``campaign``; notify the liaisons of every unit not yet submitted.

    Units whose filing waits with the supervisor or is accepted are not told. Writes one
    ``CAMPAIGN_DEADLINE_CHANGED`` entry with the old and new dates.

    Raises RegistryError: ``out_of_scope`` for anyone but the supervisor, ``wrong_state`` once
    the campaign is closed, ``invalid`` for a date outside the campaign's year or unchanged.
    """
    _require_supervisor(actor, "变更年度填报的截止日期")
    year = campaign.year
    if not campaign.is_open:
        raise RegistryError(codes.WRONG_STATE, f"{year}年度的填报已经结束，不能再变更截止日期。")
    if deadline.year != year:
        raise RegistryError(errors.INVALID, f"截止日期应在 {year} 年内。", field="deadline")
    if deadline == campaign.deadline:
        raise RegistryError(errors.INVALID, f"截止日期已是 {deadline:%Y-%m-%d}，无需变更。", field="deadline")
    reason = reason.strip()
    old = campaign.deadline
    campaign.deadline = deadline
    campaign.save(update_fields=["deadline"])
    waiting = list(campaign.filings.filter(state__in=EDITABLE_STATES).select_related("unit"))
    # Reminders sent for the old date say nothing true about the new one: forget them, so the
    # week-before / day-before / overdue reminders go out again on the new date's schedule.
    reset, _ = FilingReminder.objects.filter(filing__in=waiting).delete()
    later = "延长" if deadline > old else "提前"
    for filing in waiting:
        notices.notify(
            notices.liaisons(filing.unit),
            subject=f"{year}年度群组备案填报截止日期变更为 {deadline.month}月{deadline.day}日",
            body=(
                f"{filing.unit.name}：{year}年度群组备案填报的截止日期由 {old.month}月{old.day}日"
                f"{later}至 {deadline.month}月{deadline.day}日，请在截止前核对本单位群组并提交签字盖章的登记表。"
                + (f"说明：{reason}" if reason else "")
            ),
            severity="high" if deadline < old else "medium",
            link=notices.link("campaign_filing", filing.pk),
            key=f"campaign-{year}-deadline-{deadline.isoformat()}-{filing.unit_id}",
        )
    log.append(
        actor=actor,
        event=AuditEvent.CAMPAIGN_DEADLINE_CHANGED,
        obj=campaign,
        summary=f"{year}年度群组备案填报截止日期由 {old:%Y-%m-%d} 变更为 {deadline:%Y-%m-%d}"
        + (f"：{reason}" if reason else ""),
        before={"deadline": old},
        after={
            "deadline": deadline,
            "reason": reason,
            "units_notified": [f.unit_id for f in waiting],
            "reminders_reset": reset,
        },
    )
    return campaign


# ---------------------------------------------------------------- the unit's answer


def _require_editable(actor: Any, filing: Filing) -> None:
    registry_actions._require_manage(actor, filing.unit)
    if not filing.campaign.is_open:
        raise RegistryError(codes.WRONG_STATE, f"{filing.campaign.year}年度的填报已经结束，不能再修改。")
    if filing.state not in EDITABLE_STATES:
        raise RegistryError(
            codes.WRONG_STATE, f"“{filing.unit.name}”的填报{filing.get_state_display()}，不能再修改。"
        )


def clean_corrections(entry: FilingEntry, changes: Mapping[str, Any]) -> dict[str, Any]:
    """Return ``changes`` as JSON values, only those that differ from the snapshot.

    Raises RegistryError (``invalid``, naming the field) for an unknown field or a bad value.
    """
    cleaned: dict[str, Any] = {}
    for name, raw in changes.items():
        label = CORRECTABLE_FIELDS.get(name)
        if label is None:
            raise RegistryError(errors.INVALID, f"字段“{name}”不能在填报中更正。", field=name)
        value: Any = raw
        if name in {"name", "purpose", "member_scope"}:
            value = str(raw or "").strip()
            limit = {"name": 100, "purpose": 300, "member_scope": 200}[name]
            if name == "name" and not value:
                raise RegistryError(errors.INVALID, "名称：不能为空。", field=name)
            if len(value) > limit:
                raise RegistryError(errors.INVALID, f"{label}：不能超过 {limit} 个字。", field=name)
        elif name == "member_count":
            try:
                value = int(raw)
            except (TypeError, ValueError):
                raise RegistryError(errors.INVALID, f"{label}：“{raw}”不是人数。", field=name) from None
            if value < 0:
                raise RegistryError(errors.INVALID, f"{label}：不能为负数。", field=name)
        elif name == "running_normally":
            value = bool(raw)
        elif name == "created_on":
            if raw in (None, ""):
                value = None
            elif isinstance(raw, dt.date):
                value = raw.isoformat()
            else:
                try:
                    value = dt.date.fromisoformat(str(raw)).isoformat()
                except ValueError:
                    raise RegistryError(
                        errors.INVALID, f"{label}：“{raw}”不是日期（格式 YYYY-MM-DD）。", field=name
                    ) from None
        if value != entry.snapshot.get(name):
            cleaned[name] = value
    return cleaned


@transaction.atomic
def do_review_entry(
    actor: Any,
    entry: FilingEntry,
    *,
    changes: Mapping[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> FilingEntry:
    """Confirm a group on the filing as registered, or correct it (更正) with ``changes``.

    Changes equal to the snapshot are dropped; with none left the entry is confirmed. A later
    call replaces the earlier corrections. Writes one ``FILING_ENTRY_CONFIRMED`` or
    ``FILING_ENTRY_CORRECTED`` entry.

    Raises RegistryError: ``out_of_scope``, ``wrong_state`` (submitted, accepted or closed),
    ``invalid`` for a bad value (its message names the field).
    """
    filing = entry.filing
    _require_editable(actor, filing)
    corrections = clean_corrections(entry, changes or {})
    before = {"decision": entry.decision, "corrections": entry.corrections}
    entry.corrections = corrections
    entry.decision = EntryDecision.CORRECTED if corrections else EntryDecision.CONFIRMED
    entry.decided_at = _now(now)
    entry.save(update_fields=["corrections", "decision", "decided_at"])
    name = entry.snapshot.get("name", "")
    if corrections:
        labels = "、".join(CORRECTABLE_FIELDS[k] for k in corrections)
        summary = f"“{filing.unit.name}”{filing.campaign.year}年度填报：更正群组“{name}”的{labels}"
        event = AuditEvent.FILING_ENTRY_CORRECTED
    else:
        summary = f"“{filing.unit.name}”{filing.campaign.year}年度填报：确认群组“{name}”"
        event = AuditEvent.FILING_ENTRY_CONFIRMED
    log.append(
        actor=actor,
        event=event,
        obj=entry,
        unit_path=filing.unit.path,
        summary=summary,
        before={**before, "registered": {k: entry.snapshot.get(k) for k in corrections}},
        after={"decision": entry.decision, "corrections": corrections, "group": entry.group_id},
    )
    return entry


@transaction.atomic
def do_confirm_remaining(actor: Any, filing: Filing, *, now: dt.datetime | None = None) -> int:
    """Confirm every entry not yet confirmed or corrected; return how many. One ``FILING_ENTRIES_CONFIRMED`` entry."""
    _require_editable(actor, filing)
    pending = list(filing.entries.filter(decision=EntryDecision.PENDING).values_list("pk", flat=True))
    FilingEntry.objects.filter(pk__in=pending).update(
        decision=EntryDecision.CONFIRMED, decided_at=_now(now), corrections={}
    )
    log.append(
        actor=actor,
        event=AuditEvent.FILING_ENTRIES_CONFIRMED,
        obj=filing,
        unit_path=filing.unit.path,
        summary=f"“{filing.unit.name}”{filing.campaign.year}年度填报：确认其余 {len(pending)} 个群组",
        after={"entries": pending},
    )
    return len(pending)


@transaction.atomic
def do_add_new_groups(actor: Any, filing: Filing) -> int:
    """Add to ``filing`` the groups registered since the campaign opened that it answers for; return how many.

    A group belongs to the filing when ``plan_filings`` over the campaign's units gives it to
    this unit. One ``FILING_GROUPS_ADDED`` entry when any was added.
    """
    _require_editable(actor, filing)
    units = [f.unit for f in filing.campaign.filings.select_related("unit")]
    planned = plan_filings(units).get(filing.unit, [])
    have = set(filing.entries.values_list("group_id", flat=True))
    new = [g for g in planned if g.pk not in have]
    FilingEntry.objects.bulk_create(
        FilingEntry(filing=filing, group=g, snapshot=group_snapshot(g)) for g in new
    )
    if new:
        log.append(
            actor=actor,
            event=AuditEvent.FILING_GROUPS_ADDED,
            obj=filing,
            unit_path=filing.unit.path,
            summary=f"“{filing.unit.name}”{filing.campaign.year}年度填报补充新登记的群组：{'、'.join(g.name for g in new)}",
            after={"groups": [g.pk for g in new]},
        )
    return len(new)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


@transaction.atomic
def do_upload_scan(actor: Any, filing: Filing, upload: UploadedFile) -> Filing:
    """Store the signed and stamped form (签字盖章的登记表) of ``filing`` under the data directory.

    The type is told by the content (PDF, JPG or PNG), the size is capped by
    ``QUNGUAN_FILING_SCAN_MAX_BYTES``; a new upload replaces the previous one. Writes one
    ``FILING_SCAN_UPLOADED`` entry.

    Raises RegistryError: ``bad_scan`` (too large, empty, or not PDF/JPG/PNG), ``out_of_scope``,
    ``wrong_state``.
    """
    _require_editable(actor, filing)
    name = upload.name or "scan"
    limit = settings.QUNGUAN_FILING_SCAN_MAX_BYTES
    size = upload.size or 0
    try:
        # the signed form is told by its content only: a scanner may name it scan.bin
        kind = inspect_scan(upload, name=name, size=size, limit=limit, by_name=False)
    except ScanRejected as exc:
        message = {
            Problem.EMPTY: f"文件“{name}”是空的。",
            Problem.TOO_LARGE: f"文件“{name}”过大（{_megabytes(size)}），签字盖章的登记表不能超过 {_megabytes(limit)}。",
        }.get(
            exc.problem,
            f"文件“{name}”不是 PDF、JPG 或 PNG 格式的扫描件或照片，请上传签字盖章后的登记表扫描件。",
        )
        raise RegistryError(codes.BAD_SCAN, message, field="scan") from None
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    before = {"scan": filing.scan.name or "", "scan_sha256": filing.scan_sha256}
    filing.scan.save(f"scan.{kind}", upload, save=False)
    filing.scan_name = name[:200]
    filing.scan_type = kind
    filing.scan_sha256 = digest.hexdigest()
    filing.save(update_fields=["scan", "scan_name", "scan_type", "scan_sha256"])
    log.append(
        actor=actor,
        event=AuditEvent.FILING_SCAN_UPLOADED,
        obj=filing,
        unit_path=filing.unit.path,
        summary=f"“{filing.unit.name}”上传{filing.campaign.year}年度签字盖章的登记表（{kind.upper()}）",
        before=before,
        after={"scan": filing.scan.name, "scan_sha256": filing.scan_sha256, "size": size, "type": kind},
    )
    return filing


@transaction.atomic
def do_submit_filing(actor: Any, filing: Filing, *, now: dt.datetime | None = None) -> Filing:
    """Submit ``filing`` to the supervisor; notify the supervisors. One ``FILING_SUBMITTED`` entry.

    Raises RegistryError: ``incomplete`` while a group is unconfirmed or the signed form is
    missing, ``out_of_scope``, ``wrong_state``.
    """
    _require_editable(actor, filing)
    pending = [e.snapshot.get("name", "") for e in filing.entries.filter(decision=EntryDecision.PENDING)]
    if pending:
        raise RegistryError(
            codes.INCOMPLETE,
            f"还有 {len(pending)} 个群组未确认或更正：{'、'.join(pending[:5])}{'等' if len(pending) > 5 else ''}。",
        )
    if not filing.scan:
        raise RegistryError(
            codes.INCOMPLETE, "请先上传签字盖章的备案登记表（PDF、JPG 或 PNG）。", field="scan"
        )
    at = _now(now)
    late = timezone.localdate(at) > filing.campaign.deadline
    before = {"state": filing.state}
    filing.state = FilingState.SUBMITTED
    filing.revision += 1
    filing.submitted_at = at
    filing.submitted_by = actor if getattr(actor, "pk", None) else None
    filing.save(update_fields=["state", "revision", "submitted_at", "submitted_by"])
    year = filing.campaign.year
    notices.notify(
        notices.supervisors(),
        subject=f"{filing.unit.name}提交了{year}年度群组备案登记表",
        body=f"{filing.unit.name}已提交{year}年度填报（第 {filing.revision} 次提交{'，已逾期' if late else ''}），请审核。",
        link=notices.link("campaign_filing", filing.pk),
        key=f"filing-{filing.pk}-submitted-{filing.revision}",
    )
    log.append(
        actor=actor,
        event=AuditEvent.FILING_SUBMITTED,
        obj=filing,
        unit_path=filing.unit.path,
        summary=f"“{filing.unit.name}”提交{year}年度群组备案填报（第 {filing.revision} 次）",
        before=before,
        after={"state": filing.state, "revision": filing.revision, "late": late},
    )
    return filing


# ---------------------------------------------------------------- the supervisor's decision


def _require_submitted(actor: Any, filing: Filing, what: str) -> None:
    _require_supervisor(actor, what)
    if filing.state != FilingState.SUBMITTED:
        raise RegistryError(
            codes.WRONG_STATE,
            f"“{filing.unit.name}”的填报{filing.get_state_display()}，只能审核已提交的填报。",
        )


def registry_changes(entry: FilingEntry) -> dict[str, Any]:
    """Return an entry's corrections as registry field values (dates as dates)."""
    changes = dict(entry.corrections)
    if changes.get("created_on"):
        changes["created_on"] = dt.date.fromisoformat(changes["created_on"])
    return changes


@transaction.atomic
def do_accept_filing(
    actor: Any, filing: Filing, *, comment: str = "", now: dt.datetime | None = None
) -> Filing:
    """Accept ``filing`` and write its corrections into the registry; notify the unit's liaisons.

    Each corrected group changes through ``registry.actions.do_update_group``, so the group's
    own history shows the change; then one ``FILING_ACCEPTED`` entry.

    Raises RegistryError: ``out_of_scope`` for anyone but the supervisor, ``wrong_state``
    unless submitted, and whatever the registry refuses (``invalid``, naming the group).
    """
    _require_submitted(actor, filing, "审核年度填报")
    applied: list[int] = []
    for entry in filing.entries.filter(decision=EntryDecision.CORRECTED).select_related("group__unit"):
        try:
            registry_actions.do_update_group(actor, entry.group, **registry_changes(entry))
        except RegistryError as exc:
            raise RegistryError(
                exc.code, f"群组“{entry.group.name}”：{exc.message}", field=exc.field
            ) from None
        applied.append(entry.group_id)
    before = {"state": filing.state}
    filing.state = FilingState.ACCEPTED
    filing.comment = comment.strip()
    filing.decided_at = _now(now)
    filing.decided_by = actor if getattr(actor, "pk", None) else None
    filing.save(update_fields=["state", "comment", "decided_at", "decided_by"])
    year = filing.campaign.year
    notices.notify(
        notices.liaisons(filing.unit),
        subject=f"{year}年度群组备案登记表已通过",
        body=f"{filing.unit.name}的{year}年度填报已由党委宣传部审核通过。"
        + (f"意见：{comment}" if comment else ""),
        link=notices.link("campaign_filing", filing.pk),
        key=f"filing-{filing.pk}-accepted",
    )
    log.append(
        actor=actor,
        event=AuditEvent.FILING_ACCEPTED,
        obj=filing,
        unit_path=filing.unit.path,
        summary=f"通过“{filing.unit.name}”{year}年度群组备案填报，更新登记信息 {len(applied)} 个群组",
        before=before,
        after={"state": filing.state, "comment": filing.comment, "groups_updated": applied},
    )
    return filing


@transaction.atomic
def do_return_filing(actor: Any, filing: Filing, *, comment: str, now: dt.datetime | None = None) -> Filing:
    """Return ``filing`` to its unit with ``comment`` (退回修改); notify the liaisons. One ``FILING_RETURNED`` entry.

    Raises RegistryError: ``invalid`` without a comment, ``out_of_scope``, ``wrong_state``.
    """
    _require_submitted(actor, filing, "审核年度填报")
    comment = comment.strip()
    if not comment:
        raise RegistryError(errors.INVALID, "请填写退回意见，说明需要修改的内容。", field="comment")
    before = {"state": filing.state}
    filing.state = FilingState.RETURNED
    filing.comment = comment
    filing.decided_at = _now(now)
    filing.decided_by = actor if getattr(actor, "pk", None) else None
    filing.save(update_fields=["state", "comment", "decided_at", "decided_by"])
    year = filing.campaign.year
    notices.notify(
        notices.liaisons(filing.unit),
        subject=f"{year}年度群组备案登记表被退回",
        body=f"{filing.unit.name}的{year}年度填报被退回修改。意见：{comment}",
        severity="high",
        link=notices.link("campaign_filing", filing.pk),
        key=f"filing-{filing.pk}-returned-{filing.revision}",
    )
    log.append(
        actor=actor,
        event=AuditEvent.FILING_RETURNED,
        obj=filing,
        unit_path=filing.unit.path,
        summary=f"退回“{filing.unit.name}”{year}年度群组备案填报：{comment}",
        before=before,
        after={"state": filing.state, "comment": comment},
    )
    return filing
