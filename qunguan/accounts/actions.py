"""Account and role changes; each is atomic and audit-logged."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from qunguan.accounts.models import Role, RoleAssignment, User
from qunguan.auditlog import log
from qunguan.auditlog.events import AuditEvent
from qunguan.registry import access
from qunguan.registry.errors import RegistryError
from qunguan.registry.models import Group, Person, Unit


@transaction.atomic
def do_create_user(
    actor: Any,
    *,
    username: str,
    password: str,
    display_name: str = "",
    person: Person | None = None,
    is_superuser: bool = False,
    validate: bool = True,
) -> User:
    """Create a login account and return it; the password passes the validators unless ``validate`` is off."""
    if actor is not None and not access.is_supervisor(actor):
        raise RegistryError("out_of_scope", "只有党委宣传部可以创建账号。")
    if User.objects.filter(username=username).exists():
        raise RegistryError("duplicate_username", f"用户名 {username} 已存在。", field="username")
    user = User(username=username, display_name=display_name, person=person)
    if validate:
        validate_password(password, user)
    user.set_password(password)
    user.is_superuser = is_superuser
    user.is_staff = is_superuser
    user.save()
    log.append(
        actor=actor,
        event=AuditEvent.USER_CREATED,
        obj=user,
        summary=f"创建账号 {username}",
        after={"username": username, "display_name": display_name, "person": person.pk if person else None},
    )
    return user


@transaction.atomic
def do_grant_role(
    actor: Any, user: User, role: Role | str, *, unit: Unit | None = None, group: Group | None = None
) -> RoleAssignment:
    """Give ``user`` a role scoped to a unit subtree, one group, or the whole school (supervisor)."""
    role = Role(role)
    if actor is not None and not access.is_supervisor(actor):
        target_unit = unit or (group.unit if group else None)
        if role == Role.SUPERVISOR or target_unit is None or not access.can_manage_unit(actor, target_unit):
            raise RegistryError("out_of_scope", "您无权授予该角色。")
    assignment, _ = RoleAssignment.objects.get_or_create(user=user, role=role, unit=unit, group=group)
    scope = unit.name if unit else (str(group) if group else "全校")
    log.append(
        actor=actor,
        event=AuditEvent.USER_ROLE_GRANTED,
        obj=user,
        unit_path=unit.path if unit else (group.unit.path if group else ""),
        summary=f"授予 {user.username} 角色“{role.label}”（{scope}）",
        after={"role": role.value, "unit": unit.pk if unit else None, "group": group.pk if group else None},
    )
    return assignment


@transaction.atomic
def do_revoke_role(actor: Any, assignment: RoleAssignment) -> None:
    """Remove one role assignment."""
    if actor is not None and not access.is_supervisor(actor):
        raise RegistryError("out_of_scope", "只有党委宣传部可以撤销角色。")
    data = {"role": assignment.role, "unit": assignment.unit_id, "group": assignment.group_id}
    user = assignment.user
    assignment.delete()
    log.append(
        actor=actor,
        event=AuditEvent.USER_ROLE_REVOKED,
        obj=user,
        summary=f"撤销 {user.username} 的角色“{Role(str(data['role'])).label}”",
        before=data,
    )


@transaction.atomic
def do_create_sso_account(actor: Any, *, person: Person, source: str) -> User:
    """Open the account of a roster person on their first single sign-on and return it.

    The account is named after the 工号/学号, has no local password (it signs on through the
    directory only) and no role until a manager grants one.
    """
    if actor is not None and not access.is_supervisor(actor):
        raise RegistryError("out_of_scope", "只有党委宣传部可以开通账号。")
    if User.objects.filter(username=person.number).exists():
        raise RegistryError("duplicate_username", f"用户名 {person.number} 已存在。", field="username")
    user = User(username=person.number, display_name=person.name, person=person)
    user.set_unusable_password()
    user.save()
    log.append(
        actor=actor,
        event=AuditEvent.USER_CREATED_BY_SSO,
        obj=user,
        unit_path=person.unit.path,
        summary=f"{person.name} 通过统一身份认证（{source.upper()}）首次登录，开通账号 {user.username}",
        after={"username": user.username, "person": person.pk, "source": source},
    )
    return user


@transaction.atomic
def do_record_sign_on(user: User, *, source: str, login: str) -> None:
    """Record that ``user`` signed on through the campus directory (``source``: ldap or cas)."""
    log.append(
        actor=user,
        event=AuditEvent.USER_SIGNED_ON,
        obj=user,
        summary=f"{user.username} 通过统一身份认证（{source.upper()}，账号 {login}）登录",
        after={"source": source, "login": login},
    )
