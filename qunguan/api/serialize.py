"""Turning registry objects into response dicts, masking personal data per the viewer's role.

Masking is decided per unit with ``access.can_see_personal_data``: the supervisor and the unit
managers answering for the unit see contacts; unit heads, reviewers and group admins do not.
"""

from __future__ import annotations

from typing import Any

from qunguan.api.models import ApiToken
from qunguan.auditlog.events import AuditEvent
from qunguan.auditlog.models import AuditLogEntry
from qunguan.registry import access
from qunguan.registry.checks import Breach
from qunguan.registry.masking import mask_email, mask_phone
from qunguan.registry.models import Group, Person, Unit


def ref(obj: Any) -> dict[str, Any] | None:
    return None if obj is None else {"id": obj.pk, "name": obj.name}


def contact(user: Any, person: Person | None, unit: Unit) -> dict[str, Any] | None:
    """Return ``person`` with contacts, masked unless ``user`` may see personal data of ``unit``."""
    if person is None:
        return None
    clear = access.can_see_personal_data(user, unit)
    return {
        "id": person.pk,
        "name": person.name,
        "number": person.number,
        "phone": person.phone if clear else mask_phone(person.phone),
        "email": person.email if clear else mask_email(person.email) if person.email else "",
        "masked": not clear,
    }


def person(user: Any, p: Person) -> dict[str, Any]:
    data = contact(user, p, p.unit)
    assert data is not None
    return {
        **data,
        "kind": p.kind,
        "kind_label": p.get_kind_display(),
        "unit": ref(p.unit),
        "active": p.active,
    }


def group(g: Group) -> dict[str, Any]:
    return {
        "id": g.pk,
        "platform": g.platform,
        "platform_label": g.get_platform_display(),
        "account": g.account,
        "name": g.name,
        "unit": ref(g.unit),
        "is_official": g.is_official,
        "status": g.status,
        "status_label": g.get_status_display(),
        "end_date": g.end_date,
        "member_count": g.member_count,
        "running_normally": g.running_normally,
        "owner": ref(g.owner),
    }


def group_detail(user: Any, g: Group) -> dict[str, Any]:
    return {
        **group(g),
        "member_scope": g.member_scope,
        "purpose": g.purpose,
        "owner_contact": contact(user, g.owner, g.unit),
        "admins": [contact(user, a, g.unit) for a in g.admins.order_by("number")],
        "created_on": g.created_on,
        "dissolved_on": g.dissolved_on,
        "has_rules": g.has_rules,
        "notes": g.notes,
        "registered_at": g.registered_at,
        "updated_at": g.updated_at,
    }


def unit_tree(units: list[Unit]) -> list[dict[str, Any]]:
    """Return the visible units as nested nodes; a unit whose parent is hidden becomes a root."""
    nodes: dict[int, dict[str, Any]] = {
        u.pk: {
            "id": u.pk,
            "name": u.name,
            "kind": u.kind,
            "kind_label": u.get_kind_display(),
            "parent_id": u.parent_id,
            "headcount": u.headcount,
            "children": [],
        }
        for u in units
    }
    roots: list[dict[str, Any]] = []
    for u in units:  # ordered by path, so parents come before children
        parent = nodes.get(u.parent_id) if u.parent_id is not None else None
        siblings: list[dict[str, Any]] = parent["children"] if parent is not None else roots
        siblings.append(nodes[u.pk])
    return roots


def history_entry(e: AuditLogEntry) -> dict[str, Any]:
    try:
        event = AuditEvent(e.event_type)
        name, label = event.name.lower(), event.label
    except ValueError:  # an event type added by a newer version of qunguan
        name = label = str(e.event_type)
    return {
        "seq": e.seq,
        "created": e.created,
        "actor": e.actor_label,
        "event": e.event_type,
        "event_name": name,
        "event_label": label,
        "summary": e.summary,
        "before": e.before,
        "after": e.after,
    }


def breach(b: Breach) -> dict[str, Any]:
    return {
        "kind": b.kind,
        "clause": b.clause,
        "title": b.title,
        "group": {"id": b.group_id, "name": b.group_name},
        "unit": {"id": b.unit_id, "name": b.unit_name},
        "detail": b.detail,
    }


def token(t: ApiToken) -> dict[str, Any]:
    return {
        "id": t.pk,
        "name": t.name,
        "prefix": t.prefix,
        "created": t.created,
        "last_used": t.last_used,
        "revoked": t.revoked,
    }
