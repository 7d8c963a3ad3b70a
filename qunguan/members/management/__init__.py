"""Shared by the members commands: finding the group a command names."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError

from qunguan.registry import access
from qunguan.registry.models import Group, Platform


def find_group(account: str, actor: Any, platform: str | None = None) -> Group:
    """Return the registered group with ``account`` (on ``platform`` when given) that ``actor`` may see.

    Raises CommandError when there is none, or several on different platforms. A group outside
    the actor's scope is reported exactly as a missing one.
    """
    groups = Group.objects.all() if actor is None else access.visible_groups(actor)
    found = list(groups.filter(account=account.strip()).select_related("unit"))
    if platform:
        found = [g for g in found if g.platform == platform]
    if not found:
        raise CommandError(f"没有群号/账号为 {account} 的已登记群组（或不在您的管理范围内）。")
    if len(found) > 1:
        choices = "、".join(f"{g.platform}（{Platform(g.platform).label}）" for g in found)
        raise CommandError(f"群号 {account} 在多个平台登记过，请用 --platform 指定：{choices}。")
    return found[0]
