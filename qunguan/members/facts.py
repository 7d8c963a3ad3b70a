"""What the registry checks need to know about membership and activity, read in three queries.

``registry.checks.collect_facts`` calls ``membership_facts`` and spreads the result into each
group's ``GroupFacts``; the checks themselves (``qunguan.members.checks``) stay pure.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from django.db.models import OuterRef, Subquery

from qunguan.chats.models import ChatMessage
from qunguan.members.models import MatchStatus, Member, MemberSnapshot
from qunguan.registry.models import Group


def member_key(platform: str, platform_id: str, status: str, person_id: int | None) -> str:
    """Return the identity a member counts as when two groups' members are compared.

    A verified member is the roster person, so the same teacher in a QQ group and a WeChat
    group of one unit counts once; anyone else is their platform account.
    """
    if status == MatchStatus.VERIFIED and person_id is not None:
        return f"person:{person_id}"
    return f"{platform}:{platform_id}"


def membership_facts(group_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Return, per group id, the GroupFacts fields about its latest member list and its last message."""
    out: dict[int, dict[str, Any]] = defaultdict(dict)
    latest: dict[int, int] = {}
    for pk, group_id, taken_at in (
        MemberSnapshot.objects.filter(group_id__in=group_ids)
        .order_by("group_id", "-taken_at", "-pk")
        .values_list("pk", "group_id", "taken_at")
    ):
        facts = out[group_id]
        if group_id not in latest:
            latest[group_id] = pk
            facts["snapshot_taken_at"] = taken_at
        facts["first_snapshot_at"] = taken_at  # ordered newest first: the last one seen is the first taken
    statuses: dict[int, Counter[str]] = defaultdict(Counter)
    keys: dict[int, set[str]] = defaultdict(set)
    snapshot_group = {pk: group_id for group_id, pk in latest.items()}
    # order_by(): the models' default orderings (member → snapshot → group → unit path) would
    # make the database join four tables and sort every member only to be counted here.
    for snapshot_id, platform, platform_id, status, person_id, is_robot in (
        Member.objects.filter(snapshot_id__in=list(latest.values())).order_by()
    ).values_list(
        "snapshot_id", "snapshot__group__platform", "platform_id", "status", "person_id", "is_robot"
    ):
        group_id = snapshot_group[snapshot_id]
        # a robot (the group's bot, qunguan's own gateway) is not a person to verify or compare
        if is_robot:
            continue
        statuses[group_id][status] += 1
        keys[group_id].add(member_key(platform, platform_id, status, person_id))
    for group_id in latest:
        out[group_id]["member_statuses"] = frozenset(statuses[group_id].items())
        out[group_id]["member_keys"] = frozenset(keys[group_id])
    # One index probe per group on (group, sent_at): a GROUP BY with MAX would read every
    # stored message of the groups (millions of rows in a large school).
    last = ChatMessage.objects.filter(group_id=OuterRef("pk")).order_by("-sent_at").values("sent_at")[:1]
    for group_id, last_at in (
        Group.objects.filter(pk__in=group_ids).annotate(last=Subquery(last)).values_list("pk", "last")
    ):
        if last_at is not None:
            out[group_id]["last_message_at"] = last_at
    return dict(out)
