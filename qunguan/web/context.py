"""Template context shared by every page: the user's roles for the navigation bar."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from qunguan.registry import access


def nav(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"user_roles": access.roles_of(user), "is_supervisor": access.is_supervisor(user)}
