"""Every change to the registry: one function per action, atomic, audit-logged.

Views, the API, the CLI and importers call these; none of them writes registry rows
through the ORM directly. Scope checks (may this user change this unit?) happen here too,
so no transport can forget them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone

from qunguan.auditlog import log
from qunguan.auditlog.events import AuditEvent
from qunguan.members.naming import BadConvention, compile_convention
from qunguan.registry import access, errors
from qunguan.registry.errors import RegistryError
from qunguan.registry.models import Group, GroupStatus, Person, Unit

GROUP_FIELDS = (
    "platform",
    "account",
    "name",
    "unit",
    "is_official",
    "member_scope",
    "purpose",
    "owner",
    "created_on",
    "member_count",
    "status",
    "end_date",
    "dissolved_on",
    "running_normally",
    "notes",
    "naming_convention",
)
PERSON_FIELDS = ("number", "name", "kind", "unit", "phone", "email", "active")
UNIT_FIELDS = ("name", "kind", "parent", "headcount", "head", "liaison")


def snapshot(obj: Model, fields: Iterable[str]) -> dict[str, Any]:
    """Return the audit form of ``obj``: plain values, foreign keys as ids."""
    data: dict[str, Any] = {}
    for name in fields:
        field = obj._meta.get_field(name)
        # attname is the raw column ("unit_id") so foreign keys are logged as ids
        data[name] = getattr(obj, getattr(field, "attname", name))
    return data


def _diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    changed = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in changed}, {k: after.get(k) for k in changed}


def _require_manage(actor: Any, unit: Unit) -> None:
    if actor is not None and not access.can_manage_unit(actor, unit):
        raise RegistryError(errors.OUT_OF_SCOPE, f"您无权管理单位“{unit.name}”的数据。")


# ---------------------------------------------------------------- units


def _path_for(unit: Unit) -> str:
    return (unit.parent.path if unit.parent else "/") + f"{unit.pk}/"


def _units_changed() -> None:
    # The web processes keep the unit filter's options rendered (web/unit_options.py).
    from qunguan.web.unit_options import units_changed

    units_changed()


@transaction.atomic
def do_create_unit(actor: Any, **data: Any) -> Unit:
    """Create a unit under ``parent`` (None for a root) and return it."""
    parent = data.get("parent")
    if actor is not None and not access.is_supervisor(actor):
        if parent is None:
            raise RegistryError(errors.OUT_OF_SCOPE, "只有党委宣传部可以新建顶级单位。")
        _require_manage(actor, parent)
    unit = Unit(**{k: v for k, v in data.items() if k in UNIT_FIELDS})
    try:
        with transaction.atomic():
            unit.save()
    except IntegrityError:
        raise RegistryError(
            errors.INVALID, f"上级单位下已有名为“{unit.name}”的单位。", field="name"
        ) from None
    unit.path = _path_for(unit)
    unit.save(update_fields=["path"])
    log.append(
        actor=actor,
        event=AuditEvent.UNIT_CREATED,
        obj=unit,
        unit_path=unit.path,
        summary=f"新建单位“{unit.name}”",
        after=snapshot(unit, UNIT_FIELDS),
    )
    _units_changed()
    return unit


@transaction.atomic
def do_update_unit(actor: Any, unit: Unit, **changes: Any) -> Unit:
    """Change a unit's fields; moving it re-roots its subtree. Raises RegistryError on a cycle."""
    _require_manage(actor, unit)
    before = snapshot(unit, UNIT_FIELDS)
    new_parent = changes.get("parent", unit.parent)
    if new_parent is not None and new_parent.path.startswith(unit.path):
        raise RegistryError(errors.UNIT_CYCLE, "不能把单位移动到它自己的下级单位之下。", field="parent")
    for key, value in changes.items():
        if key in UNIT_FIELDS:
            setattr(unit, key, value)
    old_path = unit.path
    unit.save()
    new_path = _path_for(unit)
    if new_path != old_path:
        for sub in Unit.objects.filter(path__startswith=old_path).order_by("path"):
            sub.path = new_path + sub.path[len(old_path) :]
            sub.save(update_fields=["path"])
        unit.path = new_path
    old, new = _diff(before, snapshot(unit, UNIT_FIELDS))
    if new:
        log.append(
            actor=actor,
            event=AuditEvent.UNIT_CHANGED,
            obj=unit,
            unit_path=unit.path,
            summary=f"修改单位“{unit.name}”：{'、'.join(new)}",
            before=old,
            after=new,
        )
        _units_changed()
    return unit


# ---------------------------------------------------------------- roster


@transaction.atomic
def do_create_person(actor: Any, **data: Any) -> Person:
    """Add one person to the roster and return it."""
    _require_manage(actor, data["unit"])
    if Person.objects.filter(number=data["number"]).exists():
        raise RegistryError(
            errors.DUPLICATE_NUMBER, f"工号/学号 {data['number']} 已在花名册中。", field="number"
        )
    person = Person.objects.create(**{k: v for k, v in data.items() if k in PERSON_FIELDS})
    log.append(
        actor=actor,
        event=AuditEvent.PERSON_CREATED,
        obj=person,
        unit_path=person.unit.path,
        summary=f"花名册新增 {person.name}（{person.number}）",
        after=_masked_person(snapshot(person, PERSON_FIELDS)),
    )
    return person


def _masked_person(data: dict[str, Any]) -> dict[str, Any]:
    """Personal contacts never enter the audit log in clear."""
    from qunguan.registry.masking import mask_email, mask_phone

    out = dict(data)
    if out.get("phone"):
        out["phone"] = mask_phone(out["phone"])
    if out.get("email"):
        out["email"] = mask_email(out["email"])
    return out


@transaction.atomic
def do_update_person(actor: Any, person: Person, **changes: Any) -> Person:
    """Change a roster entry (e.g. mark as left: ``active=False``) and return it."""
    _require_manage(actor, person.unit)
    if "unit" in changes:
        _require_manage(actor, changes["unit"])
    before = snapshot(person, PERSON_FIELDS)
    for key, value in changes.items():
        if key in PERSON_FIELDS:
            setattr(person, key, value)
    person.save()
    old, new = _diff(before, snapshot(person, PERSON_FIELDS))
    if new:
        log.append(
            actor=actor,
            event=AuditEvent.PERSON_CHANGED,
            obj=person,
            unit_path=person.unit.path,
            summary=f"修改人员 {person.name}：{'、'.join(new)}",
            before=_masked_person(old),
            after=_masked_person(new),
        )
    return person


@transaction.atomic
def do_import_roster(actor: Any, rows: list[dict[str, Any]], *, source: str) -> tuple[int, int]:
    """Create or update roster entries from validated rows; return (created, updated).

    The caller validates every row first: this runs only when the whole file is clean, and
    it is one transaction, so a failure leaves the roster as it was.
    """
    created = updated = 0
    for row in rows:
        _require_manage(actor, row["unit"])
        existing = Person.objects.filter(number=row["number"]).first()
        fields = {k: v for k, v in row.items() if k in PERSON_FIELDS}
        if existing is None:
            Person.objects.create(**fields)
            created += 1
        else:
            _require_manage(actor, existing.unit)
            changed = False
            for key, value in fields.items():
                if getattr(existing, key) != value:
                    setattr(existing, key, value)
                    changed = True
            if changed:
                existing.save()
                updated += 1
    log.append(
        actor=actor,
        event=AuditEvent.ROSTER_IMPORTED,
        object_type="roster",
        object_id=source[:64],
        summary=f"导入花名册 {source}：新增 {created} 人，更新 {updated} 人",
        after={"source": source, "created": created, "updated": updated, "rows": len(rows)},
    )
    return created, updated


# ---------------------------------------------------------------- groups


def _validate_group(group: Group) -> None:
    if group.status == GroupStatus.TEMPORARY and group.end_date is None:
        raise RegistryError(errors.INVALID, "临时群必须填写结束日期。", field="end_date")
    if group.owner is not None and not group.account:
        raise RegistryError(errors.INVALID, "请填写群号/账号。", field="account")
    try:
        compile_convention(group.naming_convention)
    except BadConvention as exc:
        raise RegistryError(errors.INVALID, str(exc), field="naming_convention") from None
    dupe = Group.objects.filter(platform=group.platform, account=group.account).exclude(pk=group.pk)
    if dupe.exists():
        raise RegistryError(
            errors.DUPLICATE_ACCOUNT,
            f"{group.get_platform_display()} {group.account} 已经登记过。",
            field="account",
        )


def group_snapshot(group: Group) -> dict[str, Any]:
    data = snapshot(group, GROUP_FIELDS)
    if group.pk:
        data["admins"] = sorted(group.admins.values_list("pk", flat=True))
    data["rules_document"] = group.rules_document.name or ""
    return data


@transaction.atomic
def do_register_group(actor: Any, *, admins: Iterable[Person] = (), **data: Any) -> Group:
    """Register a group (登记群组) in a unit the actor manages and return it.

    Raises RegistryError (``duplicate_account``, ``out_of_scope``, ``invalid``).
    """
    unit = data["unit"]
    _require_manage(actor, unit)
    group = Group(**{k: v for k, v in data.items() if k in GROUP_FIELDS})
    _validate_group(group)
    group.save()
    admin_list = list(admins)
    if admin_list:
        group.admins.set(admin_list)
    log.append(
        actor=actor,
        event=AuditEvent.GROUP_REGISTERED,
        obj=group,
        unit_path=unit.path,
        summary=f"登记群组“{group.name}”（{group.get_platform_display()} {group.account}）",
        after=group_snapshot(group),
    )
    return group


@transaction.atomic
def do_update_group(
    actor: Any, group: Group, *, admins: Iterable[Person] | None = None, **changes: Any
) -> Group:
    """Change a registered group's fields (and admins if given); return it. History is in the audit log."""
    _require_manage(actor, group.unit)
    if "unit" in changes:
        _require_manage(actor, changes["unit"])
    before = group_snapshot(group)
    for key, value in changes.items():
        if key in GROUP_FIELDS:
            setattr(group, key, value)
    _validate_group(group)
    group.save()
    if admins is not None:
        group.admins.set(list(admins))
    old, new = _diff(before, group_snapshot(group))
    if new:
        log.append(
            actor=actor,
            event=AuditEvent.GROUP_ADMINS_CHANGED if set(new) == {"admins"} else AuditEvent.GROUP_CHANGED,
            obj=group,
            unit_path=group.unit.path,
            summary=f"修改群组“{group.name}”：{'、'.join(_field_label(k) for k in new)}",
            before=old,
            after=new,
        )
    return group


def _field_label(name: str) -> str:
    if name == "admins":
        return "管理员"
    if name == "rules_document":
        return "管理办法"
    return str(getattr(Group._meta.get_field(name), "verbose_name", name))


def restore_deadline(group: Group) -> dt.date | None:
    """Return the last day a dissolved group can be restored (``QUNGUAN_RESTORE_DAYS`` after it)."""
    if group.status != GroupStatus.DISSOLVED or group.dissolved_on is None:
        return None
    return group.dissolved_on + dt.timedelta(days=settings.QUNGUAN_RESTORE_DAYS)


@transaction.atomic
def do_dissolve_group(
    actor: Any,
    group: Group,
    *,
    on: dt.date,
    reason: str = "",
    evidence: UploadedFile | None = None,
) -> Group:
    """Mark a group dissolved (解散) on a date, with the evidence if given; return it.

    It stays in the registry with its history and can be restored for ``QUNGUAN_RESTORE_DAYS``.
    Raises RegistryError (``out_of_scope``, ``invalid`` when already dissolved).
    """
    _require_manage(actor, group.unit)
    if group.status == GroupStatus.DISSOLVED:
        raise RegistryError(errors.INVALID, f"群组“{group.name}”已经解散。", field="status")
    before = group_snapshot(group)
    before["dissolution_evidence"] = group.dissolution_evidence.name or ""
    group.status = GroupStatus.DISSOLVED
    group.dissolved_on = on
    group.running_normally = False
    if evidence is not None:
        from qunguan.approvals.attachments import check_attachment

        check_attachment(evidence)
        group.dissolution_evidence.save(evidence.name or "evidence", evidence, save=False)
    group.save()
    after = group_snapshot(group)
    after["dissolution_evidence"] = group.dissolution_evidence.name or ""
    old, new = _diff(before, after)
    log.append(
        actor=actor,
        event=AuditEvent.GROUP_DISSOLVED,
        obj=group,
        unit_path=group.unit.path,
        summary=f"解散群组“{group.name}”" + (f"：{reason}" if reason else ""),
        before=old,
        after={**new, "reason": reason},
    )
    return group


@transaction.atomic
def do_restore_group(actor: Any, group: Group, *, today: dt.date | None = None) -> Group:
    """Bring a dissolved group back into the active registry within the restore window; return it.

    A group with an end date comes back as temporary, any other as long-term. Raises
    RegistryError (``out_of_scope``; ``invalid`` when not dissolved or the window has passed).
    """
    _require_manage(actor, group.unit)
    deadline = restore_deadline(group)
    if deadline is None:
        raise RegistryError(errors.INVALID, f"群组“{group.name}”没有解散，无需恢复。", field="status")
    today = today or timezone.localdate()
    if today > deadline:
        raise RegistryError(
            errors.INVALID,
            f"群组“{group.name}”已于 {group.dissolved_on:%Y-%m-%d} 解散，超过 "
            f"{settings.QUNGUAN_RESTORE_DAYS} 天的恢复期限（{deadline:%Y-%m-%d}），不能再恢复。",
            field="status",
        )
    before = group_snapshot(group)
    group.status = GroupStatus.TEMPORARY if group.end_date else GroupStatus.ACTIVE
    group.dissolved_on = None
    group.running_normally = True
    group.save()
    old, new = _diff(before, group_snapshot(group))
    log.append(
        actor=actor,
        event=AuditEvent.GROUP_RESTORED,
        obj=group,
        unit_path=group.unit.path,
        summary=f"恢复已解散的群组“{group.name}”",
        before=old,
        after=new,
    )
    return group


def _require_manage_or_approval(actor: Any, group: Group, approval: Any, kind: str) -> None:
    """Allow the change to whoever manages the unit, or to anyone acting on an effective approval."""
    if approval is None:
        _require_manage(actor, group.unit)
        return
    from qunguan.approvals.models import EFFECTIVE_STATES

    if approval.group_id != group.pk or approval.kind != kind or approval.state not in EFFECTIVE_STATES:
        raise RegistryError(errors.OUT_OF_SCOPE, "该审批未生效，不能据此变更群组。")


@transaction.atomic
def do_handover_group(
    actor: Any,
    group: Group,
    *,
    owner: Person | None,
    admins: Iterable[Person] | None = None,
    approval: Any = None,
) -> Group:
    """Hand the group over to a new owner (and admins when given) — 群主/管理员转交, 1(2); return it.

    Done by the managing unit, or on an effective handover approval (``approval``), whose id is
    kept in the history. Raises RegistryError (``out_of_scope``).
    """
    _require_manage_or_approval(actor, group, approval, "handover")
    before = group_snapshot(group)
    if owner is not None:
        group.owner = owner
    group.save()
    if admins is not None:
        group.admins.set(list(admins))
    old, new = _diff(before, group_snapshot(group))
    by = f"（依据审批 #{approval.pk}）" if approval is not None else ""
    log.append(
        actor=actor,
        event=AuditEvent.GROUP_HANDED_OVER,
        obj=group,
        unit_path=group.unit.path,
        summary=f"群组“{group.name}”的群主/管理员转交{by}",
        before=old,
        after={**new, "approval": approval.pk if approval is not None else None},
    )
    return group


@transaction.atomic
def do_mark_official(actor: Any, group: Group, *, approval: Any = None) -> Group:
    """Mark the group as its unit's official group (官方群, 3(3)); return it.

    Raises RegistryError (``out_of_scope``; ``duplicate_official`` when the unit already has one).
    """
    _require_manage_or_approval(actor, group, approval, "official")
    other = (
        Group.objects.filter(unit=group.unit, is_official=True)
        .exclude(pk=group.pk)
        .exclude(status=GroupStatus.DISSOLVED)
        .first()
    )
    if other is not None:
        raise RegistryError(
            errors.DUPLICATE_OFFICIAL,
            f"“{group.unit.name}”已有官方群“{other.name}”，每个单位只建一个官方群。",
            field="group",
        )
    if group.is_official:
        return group
    group.is_official = True
    group.save(update_fields=["is_official", "updated_at"])
    by = f"（依据审批 #{approval.pk}）" if approval is not None else ""
    log.append(
        actor=actor,
        event=AuditEvent.GROUP_MARKED_OFFICIAL,
        obj=group,
        unit_path=group.unit.path,
        summary=f"群组“{group.name}”登记为“{group.unit.name}”的官方群{by}",
        before={"is_official": False},
        after={"is_official": True, "approval": approval.pk if approval is not None else None},
    )
    return group


@transaction.atomic
def do_upload_group_rules(actor: Any, group: Group, document: UploadedFile) -> Group:
    """Attach the group's management rules document (管理办法) and return the group."""
    _require_manage(actor, group.unit)
    old_name = group.rules_document.name or ""
    group.rules_document.save(document.name or "rules", document, save=True)
    log.append(
        actor=actor,
        event=AuditEvent.GROUP_RULES_UPLOADED,
        obj=group,
        unit_path=group.unit.path,
        summary=f"上传群组“{group.name}”的管理办法",
        before={"rules_document": old_name},
        after={"rules_document": group.rules_document.name},
    )
    return group
