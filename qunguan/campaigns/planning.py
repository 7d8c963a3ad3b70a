"""Which units file in a campaign and which groups each answers for; the snapshot of a group."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from qunguan.registry.models import Group, GroupStatus, Unit, UnitKind


def filing_unit_of(unit: Unit, by_id: Mapping[int, Unit]) -> Unit:
    """Return the unit that files for ``unit``: itself, or its nearest ancestor that is not a class.

    A class (班级) never files alone: its groups are on its 院系's form (see qunguan/filing/form.py).
    """
    current = unit
    while current.kind == UnitKind.CLASS and current.parent_id is not None:
        current = by_id[current.parent_id]
    return current


def plan_filings(units: Iterable[Unit] | None = None) -> dict[Unit, list[Group]]:
    """Return the units that file and the groups each answers for, in tree order.

    By default: every unit that is not a class and has no sub-unit other than classes, and
    every unit that has groups of its own (directly or through its classes). Given ``units``,
    those units file, each for the groups of its subtree not nearer to another given unit.
    A group is on exactly one filing; dissolved groups are on none.
    """
    all_units = {u.pk: u for u in Unit.objects.all()}
    groups = list(
        Group.objects.exclude(status=GroupStatus.DISSOLVED)
        .select_related("unit", "owner")
        .prefetch_related("admins")
        .order_by("unit__path", "-is_official", "name", "pk")
    )
    if units is None:
        parents = {u.parent_id for u in all_units.values() if u.kind != UnitKind.CLASS}
        chosen = {u.pk for u in all_units.values() if u.kind != UnitKind.CLASS and u.pk not in parents}
        chosen |= {filing_unit_of(all_units[g.unit_id], all_units).pk for g in groups}
    else:
        chosen = {u.pk for u in units}
    plan: dict[Unit, list[Group]] = {all_units[pk]: [] for pk in chosen}
    for group in groups:
        ids = [int(p) for p in all_units[group.unit_id].path.strip("/").split("/") if p]
        owner = next((pk for pk in reversed(ids) if pk in chosen), None)
        if owner is not None:
            plan[all_units[owner]].append(group)
    return dict(sorted(plan.items(), key=lambda item: item[0].path))


def group_snapshot(group: Group) -> dict[str, Any]:
    """Return the registry row of ``group`` as a filing entry keeps it (contacts stay in the roster)."""
    admins = sorted(group.admins.all(), key=lambda p: p.number)
    return {
        "platform": group.platform,
        "account": group.account,
        "name": group.name,
        "unit_id": group.unit_id,
        "unit": group.unit.name,
        "is_official": group.is_official,
        "status": group.status,
        "member_scope": group.member_scope,
        "purpose": group.purpose,
        "owner_id": group.owner_id,
        "owner": group.owner.name if group.owner else "",
        "admin_ids": [p.pk for p in admins],
        "admins": [p.name for p in admins],
        "created_on": group.created_on.isoformat() if group.created_on else None,
        "member_count": group.member_count,
        "running_normally": group.running_normally,
        "has_rules": group.has_rules,
    }
