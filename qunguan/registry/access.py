"""The one way a transport (web view, API, CLI, gateway) reaches registry objects for a user.

Every function is scoped: a user sees a unit's subtree for each unit role it holds, single
groups for the group-admin role, everything as supervisor. ``access_*`` raise the same
``NotFound`` for "does not exist" and "not yours", so a URL never tells an outsider that
an object exists.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from qunguan.accounts.models import UNIT_ROLES, Role, RoleAssignment
from qunguan.registry.models import Group, Person, Unit


class NotFound(Exception):
    """The object does not exist or is outside the user's scope."""


class Forbidden(Exception):
    """The object is visible, but the user may not do this to it."""


def role_assignments(user: Any) -> list[RoleAssignment]:
    """Return the user's role assignments, read once per request (cached on the user object)."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached: list[RoleAssignment] | None = getattr(user, "_qunguan_roles", None)
    if cached is None:
        cached = list(RoleAssignment.objects.filter(user=user).select_related("unit"))
        user._qunguan_roles = cached
    return cached


def roles_of(user: Any) -> set[str]:
    """Return the role names the user holds anywhere."""
    return {a.role for a in role_assignments(user)}


def is_supervisor(user: Any) -> bool:
    return Role.SUPERVISOR in roles_of(user)


def _unit_paths(user: Any, roles: frozenset[str] | set[str] = UNIT_ROLES) -> list[str]:
    return [a.unit.path for a in role_assignments(user) if a.role in roles and a.unit is not None]


def _subtree_q(paths: list[str], field: str) -> Q:
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(**{f"{field}__startswith": path})
    return q


def visible_units(user: Any) -> QuerySet[Unit]:
    """Return the units the user may see: their subtrees (supervisor: all)."""
    if is_supervisor(user):
        return Unit.objects.all()
    paths = _unit_paths(user)
    group_units = [a.group.unit_id for a in role_assignments(user) if a.role == Role.GROUP_ADMIN and a.group]
    return Unit.objects.filter(_subtree_q(paths, "path") | Q(pk__in=group_units))


def visible_groups(user: Any) -> QuerySet[Group]:
    """Return the groups the user may see."""
    if is_supervisor(user):
        return Group.objects.all()
    paths = _unit_paths(user)
    group_ids = [a.group_id for a in role_assignments(user) if a.role == Role.GROUP_ADMIN]
    return Group.objects.filter(_subtree_q(paths, "unit__path") | Q(pk__in=group_ids))


def visible_people(user: Any) -> QuerySet[Person]:
    """Return the roster entries the user may see (group admins see none of the roster)."""
    if is_supervisor(user):
        return Person.objects.all()
    return Person.objects.filter(_subtree_q(_unit_paths(user), "unit__path"))


def managed_units(user: Any) -> QuerySet[Unit]:
    """Return the units in which the user may register and change groups and people."""
    if is_supervisor(user):
        return Unit.objects.all()
    return Unit.objects.filter(_subtree_q(_unit_paths(user, {Role.UNIT_MANAGER}), "path"))


def can_manage_unit(user: Any, unit: Unit) -> bool:
    if is_supervisor(user):
        return True
    return any(unit.path.startswith(p) for p in _unit_paths(user, {Role.UNIT_MANAGER}))


def can_see_personal_data(user: Any, unit: Unit | None = None) -> bool:
    """Whether contacts (phones, e-mail) are shown unmasked.

    Only the supervisor and the unit managers answering for the unit need them (the filing
    form lists the owner's contact); everyone else sees them masked.
    """
    if is_supervisor(user):
        return True
    if unit is None:
        return bool(_unit_paths(user, {Role.UNIT_MANAGER}))
    return can_manage_unit(user, unit)


def access_unit(user: Any, unit_id: Any, *, manage: bool = False) -> Unit:
    """Return the unit ``unit_id`` if visible (and manageable when ``manage``); raise NotFound/Forbidden."""
    try:
        unit = visible_units(user).get(pk=int(unit_id))
    except (Unit.DoesNotExist, ValueError, TypeError):
        raise NotFound from None
    if manage and not can_manage_unit(user, unit):
        raise Forbidden
    return unit


def access_group(user: Any, group_id: Any, *, manage: bool = False) -> Group:
    """Return the group ``group_id`` if visible (and manageable when ``manage``); raise NotFound/Forbidden."""
    try:
        group = visible_groups(user).select_related("unit", "owner").get(pk=int(group_id))
    except (Group.DoesNotExist, ValueError, TypeError):
        raise NotFound from None
    if manage and not can_manage_unit(user, group.unit):
        raise Forbidden
    return group


def access_person(user: Any, person_id: Any, *, manage: bool = False) -> Person:
    """Return the roster entry ``person_id`` if visible; raise NotFound/Forbidden."""
    try:
        person = visible_people(user).select_related("unit").get(pk=int(person_id))
    except (Person.DoesNotExist, ValueError, TypeError):
        raise NotFound from None
    if manage and not can_manage_unit(user, person.unit):
        raise Forbidden
    return person
