"""Registry checks: each a small pure function over group facts, tagged with its clause.

``collect_facts`` reads the database once; the checks themselves never touch it, which keeps
them fast and testable with plain data. Later capabilities (members, messages) add checks
with the same ``@registry_check`` decorator; the dashboard and ``qunguan check`` pick them up.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, QuerySet
from django.utils import timezone

from qunguan.approvals.models import EFFECTIVE_STATES, Approval
from qunguan.registry.models import Group, GroupStatus


@dataclass(frozen=True)
class GroupFacts:
    """What the checks need to know about one group."""

    id: int
    name: str
    platform: str
    account: str
    unit_id: int
    unit_name: str
    unit_headcount: int
    is_official: bool
    status: str
    end_date: dt.date | None
    member_count: int
    owner_id: int | None
    admin_count: int
    member_scope: str
    purpose: str
    has_rules: bool
    approvals: frozenset[tuple[str, int | None]] = field(default_factory=frozenset)
    # Membership and activity (qunguan.members): the latest member list's real-name counts
    # (status → members, robots left out), the identities of its members for overlap, and the
    # times the checks of 4(1) measure from. None/empty when nothing is stored.
    snapshot_taken_at: dt.datetime | None = None
    first_snapshot_at: dt.datetime | None = None
    member_statuses: frozenset[tuple[str, int]] = field(default_factory=frozenset)
    member_keys: frozenset[str] = field(default_factory=frozenset)
    last_message_at: dt.datetime | None = None

    def approved(self, kind: str) -> bool:
        return any(k == kind for k, _ in self.approvals)


@dataclass(frozen=True)
class CheckContext:
    today: dt.date
    max_group_size: int = 150
    inactive_days: int = 90
    duplicate_jaccard: float = 0.8


@dataclass(frozen=True)
class Breach:
    """One rule breach found by a check (违规项)."""

    kind: str
    clause: str
    title: str
    group_id: int
    group_name: str
    unit_id: int
    unit_name: str
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


CheckFn = Callable[[Sequence[GroupFacts], CheckContext], Iterable[Breach]]


@dataclass(frozen=True)
class Check:
    kind: str
    clause: str
    title: str
    fn: CheckFn


CHECKS: dict[str, Check] = {}


def registry_check(kind: str, clause: str, title: str) -> Callable[[CheckFn], CheckFn]:
    """Register a check function under ``kind`` (stable id), with its clause and a Chinese title."""

    def wrap(fn: CheckFn) -> CheckFn:
        CHECKS[kind] = Check(kind, clause, title, fn)
        return fn

    return wrap


def _breach(check_kind: str, g: GroupFacts, detail: str) -> Breach:
    c = CHECKS[check_kind]
    return Breach(c.kind, c.clause, c.title, g.id, g.name, g.unit_id, g.unit_name, detail)


@registry_check("oversize", "3(2)", "超过150人且无审批备案")
def check_oversize(groups: Sequence[GroupFacts], ctx: CheckContext) -> Iterator[Breach]:
    for g in groups:
        if g.member_count <= ctx.max_group_size:
            continue
        limits = [m for k, m in g.approvals if k == "oversize"]
        if not limits:
            yield _breach(
                "oversize", g, f"现有 {g.member_count} 人，超过 {ctx.max_group_size} 人，未见负责人签批备案"
            )
        elif all(m is not None and g.member_count > m for m in limits):
            cap = max(m for m in limits if m is not None)
            yield _breach("oversize", g, f"现有 {g.member_count} 人，超过审批上限 {cap} 人")


@registry_check("duplicate_official", "3(3)", "一个单位有多个官方群")
def check_one_official_group(groups: Sequence[GroupFacts], ctx: CheckContext) -> Iterator[Breach]:
    by_unit: dict[int, list[GroupFacts]] = defaultdict(list)
    for g in groups:
        if g.is_official:
            by_unit[g.unit_id].append(g)
    for official in by_unit.values():
        if len(official) > 1:
            names = "、".join(o.name for o in official)
            for g in official:
                yield _breach("duplicate_official", g, f"本单位共有 {len(official)} 个官方群：{names}")


@registry_check("over_headcount", "3(4)", "人数超过本单位/班级人数")
def check_headcount(groups: Sequence[GroupFacts], ctx: CheckContext) -> Iterator[Breach]:
    for g in groups:
        if g.unit_headcount and g.member_count > g.unit_headcount:
            yield _breach(
                "over_headcount",
                g,
                f"现有 {g.member_count} 人，多于“{g.unit_name}”的 {g.unit_headcount} 人，可能有无关人员",
            )


@registry_check("temporary_overdue", "3(5)", "临时群逾期未解散")
def check_temporary_overdue(groups: Sequence[GroupFacts], ctx: CheckContext) -> Iterator[Breach]:
    for g in groups:
        if g.status == GroupStatus.TEMPORARY and g.end_date and g.end_date < ctx.today:
            if g.approved("retention"):
                continue
            days = (ctx.today - g.end_date).days
            yield _breach(
                "temporary_overdue", g, f"工作已于 {g.end_date:%Y-%m-%d} 结束，逾期 {days} 天未解散"
            )


@registry_check("no_admin", "1(2)", "未指定管理员")
def check_admin_designated(groups: Sequence[GroupFacts], ctx: CheckContext) -> Iterator[Breach]:
    for g in groups:
        if g.admin_count == 0:
            yield _breach("no_admin", g, "未指定专人担任管理员")


REQUIRED_FIELDS = (
    ("name", "群名称"),
    ("account", "群号/账号"),
    ("member_scope", "成员范围"),
    ("purpose", "主要功能或用途"),
)


@registry_check("incomplete_registration", "1(1)", "登记信息不全")
def check_registration_complete(groups: Sequence[GroupFacts], ctx: CheckContext) -> Iterator[Breach]:
    for g in groups:
        missing = [label for name, label in REQUIRED_FIELDS if not str(getattr(g, name)).strip()]
        if g.owner_id is None:
            missing.append("创建者（群主）")
        if not g.has_rules:
            missing.append("管理办法")
        if missing:
            yield _breach("incomplete_registration", g, "缺少：" + "、".join(missing))


def collect_facts(groups: QuerySet[Group]) -> list[GroupFacts]:
    """Return the facts of every group in ``groups`` that is not dissolved (six queries)."""
    rows = list(
        groups.exclude(status=GroupStatus.DISSOLVED)
        .select_related("unit")
        .annotate(n_admins=Count("admins", distinct=True))
        .order_by("unit__path", "name")
    )
    approvals: dict[int, set[tuple[str, int | None]]] = defaultdict(set)
    for a in Approval.objects.filter(group__in=[g.pk for g in rows], state__in=EFFECTIVE_STATES):
        approvals[a.group_id].add((a.kind, a.max_members))
    # Imported late: the members app builds on the registry, not the other way round.
    from qunguan.members.facts import membership_facts

    membership = membership_facts([g.pk for g in rows])
    return [
        GroupFacts(
            id=g.pk,
            name=g.name,
            platform=g.platform,
            account=g.account,
            unit_id=g.unit_id,
            unit_name=g.unit.name,
            unit_headcount=g.unit.headcount,
            is_official=g.is_official,
            status=g.status,
            end_date=g.end_date,
            member_count=g.member_count,
            owner_id=g.owner_id,
            admin_count=g.n_admins,
            member_scope=g.member_scope,
            purpose=g.purpose,
            has_rules=bool(g.rules_document),
            approvals=frozenset(approvals.get(g.pk, ())),
            **membership.get(g.pk, {}),
        )
        for g in rows
    ]


def run_checks(
    groups: QuerySet[Group], *, today: dt.date | None = None, kinds: Iterable[str] | None = None
) -> list[Breach]:
    """Run the registered checks (all, or those named in ``kinds``) over ``groups``; return the breaches."""
    ctx = CheckContext(
        today=today or timezone.localdate(),
        max_group_size=settings.QUNGUAN_MAX_GROUP_SIZE,
        inactive_days=settings.QUNGUAN_INACTIVE_DAYS,
        duplicate_jaccard=settings.QUNGUAN_DUPLICATE_JACCARD,
    )
    facts = collect_facts(groups)
    wanted = set(kinds) if kinds is not None else set(CHECKS)
    breaches: list[Breach] = []
    for check in CHECKS.values():
        if check.kind in wanted:
            breaches.extend(check.fn(facts, ctx))
    return breaches
