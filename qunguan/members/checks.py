"""The registry checks that need membership and activity: 1(3) real name, 4(1) inactive and duplicate groups.

Registered with the registry's ``@registry_check`` (this module is imported by the app's
``ready``), so the dashboard, ``qunguan check`` and the API run them with the others. Each is a
pure function over ``GroupFacts``; ``qunguan.members.facts`` fills the fields they read.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Sequence
from itertools import combinations

from django.utils import timezone

from qunguan.members.models import MatchStatus
from qunguan.registry.checks import Breach, CheckContext, GroupFacts, _breach, registry_check

# Below this many members an overlap says little: two three-person task groups of one office
# with the same people are normal work, not a duplicate group to dissolve.
MIN_DUPLICATE_MEMBERS = 3

_UNVERIFIED = (MatchStatus.UNKNOWN, MatchStatus.OUT_OF_SCOPE, MatchStatus.AMBIGUOUS)


@registry_check("unverified_members", "1(3)", "有未通过实名核验的成员")
def check_unverified_members(groups: Sequence[GroupFacts], ctx: CheckContext) -> Iterator[Breach]:
    for g in groups:
        counts = dict(g.member_statuses)
        found = [(s, counts.get(s.value, 0)) for s in _UNVERIFIED if counts.get(s.value, 0)]
        if not found or g.snapshot_taken_at is None:
            continue
        parts = "，".join(f"{status.label} {n} 人" for status, n in found)
        yield _breach(
            "unverified_members",
            g,
            f"{g.snapshot_taken_at:%Y-%m-%d} 的成员名单中 {sum(n for _, n in found)} 人未通过实名核验（{parts}），请核实或移除",
        )


def _as_date(moment: dt.datetime) -> dt.date:
    # stored times are aware (UTC); the day a person means is the local one
    return timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()


@registry_check("inactive_group", "4(1)", "长期无消息，应解散或停用")
def check_inactive_group(groups: Sequence[GroupFacts], ctx: CheckContext) -> Iterator[Breach]:
    # Only groups qunguan has observed are judged: a group whose chats were never imported and
    # whose member list was never taken is silent in the database, not in reality. Once observed,
    # the quiet spell is measured from the last stored message, or, when none was ever stored,
    # from the first member list (the day we knew the group existed and could have seen messages).
    for g in groups:
        if g.last_message_at is not None:
            since = _as_date(g.last_message_at)
            days = (ctx.today - since).days
            if days > ctx.inactive_days:
                yield _breach(
                    "inactive_group",
                    g,
                    f"最后一条消息在 {since:%Y-%m-%d}，已 {days} 天无消息（限 {ctx.inactive_days} 天）",
                )
        elif g.first_snapshot_at is not None:
            since = _as_date(g.first_snapshot_at)
            days = (ctx.today - since).days
            if days > ctx.inactive_days:
                yield _breach(
                    "inactive_group",
                    g,
                    f"自 {since:%Y-%m-%d} 导入成员名单以来 {days} 天未见任何消息（限 {ctx.inactive_days} 天）",
                )


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """Return |a ∩ b| / |a ∪ b| (0 for two empty sets)."""
    union = len(a | b)
    return len(a & b) / union if union else 0.0


@registry_check("duplicate_group", "4(1)", "疑似重复群（成员高度重合）")
def check_duplicate_group(groups: Sequence[GroupFacts], ctx: CheckContext) -> Iterator[Breach]:
    by_unit: dict[int, list[GroupFacts]] = defaultdict(list)
    for g in groups:
        if len(g.member_keys) >= MIN_DUPLICATE_MEMBERS:
            by_unit[g.unit_id].append(g)
    for unit_groups in by_unit.values():
        for a, b in combinations(unit_groups, 2):
            overlap = jaccard(a.member_keys, b.member_keys)
            if overlap >= ctx.duplicate_jaccard:
                shared = len(a.member_keys & b.member_keys)
                for this, other in ((a, b), (b, a)):
                    yield _breach(
                        "duplicate_group",
                        this,
                        f"与“{other.name}”的成员重合度 {overlap:.0%}（共同成员 {shared} 人），请合并或解散其一",
                    )
