"""Readable change history: turns audit-log before/after dicts into labelled rows.

Foreign keys are logged as ids; they are shown by name only when the viewer may see the
unit or person (resolved through ``access``), otherwise as "#id".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from qunguan.auditlog.models import AuditLogEntry
from qunguan.registry import access
from qunguan.registry.models import Group, GroupStatus, Person, Platform, Unit
from qunguan.web.views.common import event_label

EXTRA_LABELS = {"admins": "管理员", "rules_document": "管理办法", "reason": "原因"}
MODELS: dict[str, Any] = {"group": Group, "unit": Unit, "person": Person}
CHOICES: dict[str, Mapping[str, str]] = {
    "platform": dict(Platform.choices),
    "status": dict(GroupStatus.choices),
}


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class HistoryRow:
    entry: AuditLogEntry
    label: str
    changes: list[Change]


def _field_label(object_type: str, name: str) -> str:
    if name in EXTRA_LABELS:
        return EXTRA_LABELS[name]
    model = MODELS.get(object_type)
    if model is None:
        return name
    try:
        return str(model._meta.get_field(name).verbose_name)
    except Exception:  # not a model field (e.g. an import's counts): show its raw name
        return name


class Resolver:
    """Names for the unit and person ids in a set of entries, limited to the viewer's scope."""

    def __init__(self, user: Any, entries: Iterable[AuditLogEntry], known_people: Iterable[Any] = ()) -> None:
        unit_ids: set[int] = set()
        person_ids: set[int] = set()
        for entry in entries:
            for data in (entry.before or {}, entry.after or {}):
                if isinstance(data.get("unit"), int):
                    unit_ids.add(data["unit"])
                if isinstance(data.get("owner"), int):
                    person_ids.add(data["owner"])
                if isinstance(data.get("admins"), list):
                    person_ids.update(i for i in data["admins"] if isinstance(i, int))
        self.units = {u.pk: u.name for u in access.visible_units(user).filter(pk__in=unit_ids)}
        self.people = {p.pk: p.name for p in access.visible_people(user).filter(pk__in=person_ids)}
        self.people.update({p.pk: p.name for p in known_people if p is not None})

    def value(self, name: str, value: Any) -> str:
        if value is None or value == "" or value == []:
            return "—"
        if isinstance(value, bool):
            return "是" if value else "否"
        if name == "unit" and isinstance(value, int):
            return self.units.get(value, f"#{value}")
        if name == "owner" and isinstance(value, int):
            return self.people.get(value, f"#{value}")
        if name == "admins" and isinstance(value, list):
            return "、".join(self.people.get(i, f"#{i}") for i in value) or "—"
        if name in CHOICES and isinstance(value, str):
            return CHOICES[name].get(value, value)
        if name == "rules_document" and isinstance(value, str):
            return PurePosixPath(value).name
        return str(value)


def history_rows(
    user: Any, entries: Iterable[AuditLogEntry], known_people: Iterable[Any] = ()
) -> list[HistoryRow]:
    """Return one row per entry with its field changes (before → after), labelled in Chinese."""
    entries = list(entries)
    resolver = Resolver(user, entries, known_people)
    rows = []
    for entry in entries:
        before = entry.before or {}
        after = entry.after or {}
        names = list(dict.fromkeys([*before, *after]))
        changes = [
            Change(
                _field_label(entry.object_type, n),
                resolver.value(n, before.get(n)),
                resolver.value(n, after.get(n)),
            )
            for n in names
        ]
        rows.append(HistoryRow(entry, event_label(entry.event_type), changes))
    return rows
