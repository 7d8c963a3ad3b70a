"""The caller: who they are, their roles and scopes, and their own API tokens (接口令牌)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from qunguan.accounts.models import RoleAssignment
from qunguan.api import serialize
from qunguan.api.actions import do_create_api_token, do_revoke_api_token
from qunguan.api.models import ApiToken
from qunguan.api.routers import ERRORS, WRITE_ERRORS, actor
from qunguan.api.schemas import MeOut, NewTokenOut, TokenIn, TokenOut
from qunguan.registry import access

router = Router(tags=["me 当前用户"])


@router.get("/me", response={200: MeOut, **ERRORS}, summary="当前用户与角色")
def me(request: HttpRequest) -> Any:
    user = actor(request)
    roles = RoleAssignment.objects.filter(user=user).select_related("unit", "group").order_by("role", "pk")
    return {
        "id": user.pk,
        "username": user.get_username(),
        "display_name": user.display_name,
        "is_supervisor": access.is_supervisor(user),
        "person": serialize.ref(user.person),
        "roles": [
            {
                "role": r.role,
                "role_label": r.get_role_display(),
                "unit": serialize.ref(r.unit),
                "group": serialize.ref(r.group),
            }
            for r in roles
        ],
    }


@router.get("/tokens", response={200: list[TokenOut], **ERRORS}, summary="我的接口令牌")
def list_tokens(request: HttpRequest) -> Any:
    return [serialize.token(t) for t in ApiToken.objects.filter(user=actor(request))]


@router.post("/tokens", response={201: NewTokenOut, **WRITE_ERRORS}, summary="创建接口令牌")
def create_token(request: HttpRequest, payload: TokenIn) -> Any:
    """Create a token for the caller; the token itself is in this response only."""
    user = actor(request)
    row, token = do_create_api_token(user, user, name=payload.name)
    return Status(201, {**serialize.token(row), "token": token})


@router.post("/tokens/{token_id}/revoke", response={200: TokenOut, **WRITE_ERRORS}, summary="吊销接口令牌")
def revoke_token(request: HttpRequest, token_id: int) -> Any:
    user = actor(request)
    row = ApiToken.objects.filter(user=user, pk=token_id).select_related("user").first()
    if row is None:
        raise access.NotFound
    return serialize.token(do_revoke_api_token(user, row))
