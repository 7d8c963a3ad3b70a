"""Creating and revoking API tokens (接口令牌); each change is atomic and audit-logged."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone

from qunguan.accounts.models import User
from qunguan.api.models import TOKEN_PREFIX, ApiToken, hash_token
from qunguan.auditlog import log
from qunguan.auditlog.events import AuditEvent
from qunguan.registry import access, errors
from qunguan.registry.errors import RegistryError

# Writing last_used on every request would turn each read into a write; once a minute is
# precise enough to tell a live script from a forgotten token.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def _require_owner_or_supervisor(actor: Any, user: User) -> None:
    if actor is not None and actor.pk != user.pk and not access.is_supervisor(actor):
        raise RegistryError(errors.OUT_OF_SCOPE, "只能管理自己的接口令牌。")


@transaction.atomic
def do_create_api_token(actor: Any, user: User, *, name: str) -> tuple[ApiToken, str]:
    """Create a token for ``user`` and return (the stored row, the token in clear).

    The clear token is returned only here; it is never stored. Raises RegistryError
    (``out_of_scope`` when the actor is neither the user nor the supervisor, ``invalid``).
    """
    _require_owner_or_supervisor(actor, user)
    name = name.strip()
    if not name:
        raise RegistryError(errors.INVALID, "请填写令牌名称。", field="name")
    if not user.is_active:
        raise RegistryError(
            errors.INVALID, f"账号 {user.get_username()} 已停用，不能创建令牌。", field="user"
        )
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken.objects.create(user=user, name=name[:100], prefix=token[:10], token_hash=hash_token(token))
    log.append(
        actor=actor,
        event=AuditEvent.API_TOKEN_CREATED,
        obj=row,
        summary=f"为账号 {user.get_username()} 创建接口令牌“{row.name}”",
        after={"user": user.pk, "name": row.name, "prefix": row.prefix},
    )
    return row, token


@transaction.atomic
def do_revoke_api_token(actor: Any, token: ApiToken) -> ApiToken:
    """Revoke ``token`` (idempotent: revoking twice changes nothing and logs once); return it."""
    _require_owner_or_supervisor(actor, token.user)
    if token.revoked is not None:
        return token
    token.revoked = timezone.now()
    token.save(update_fields=["revoked"])
    log.append(
        actor=actor,
        event=AuditEvent.API_TOKEN_REVOKED,
        obj=token,
        summary=f"吊销账号 {token.user.get_username()} 的接口令牌“{token.name}”",
        before={"revoked": None},
        after={"revoked": token.revoked},
    )
    return token


def authenticate_token(token: str) -> User | None:
    """Return the active user owning the unrevoked ``token``, or None; notes when it was last used.

    ``last_used`` is bookkeeping, not a change of state, so it is not audit-logged.
    """
    if not token.startswith(TOKEN_PREFIX):
        return None
    row = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=hash_token(token), revoked__isnull=True)
        .first()
    )
    if row is None or not row.user.is_active:
        return None
    now = timezone.now()
    if row.last_used is None or now - row.last_used > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=row.pk).update(last_used=now)
    return row.user
