"""Template context shared by every page: the user's roles for the top bar and navigation."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from qunguan.accounts.models import Role
from qunguan.chats.access import can_see_findings
from qunguan.registry import access


def nav(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    roles = access.roles_of(user)
    # Short labels for the top bar, in the order of the role table in DESIGN.md.
    short = {
        Role.SUPERVISOR: "党委宣传部",
        Role.UNIT_MANAGER: "单位联络人",
        Role.UNIT_HEAD: "单位负责人",
        Role.GROUP_ADMIN: "群主/管理员",
        Role.REVIEWER: "审核员",
    }
    return {
        "user_roles": roles,
        "role_labels": [label for role, label in short.items() if role in roles],
        "is_supervisor": access.is_supervisor(user),
        "can_review": can_see_findings(user),
    }
