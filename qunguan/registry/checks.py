"""Registry checks: each a small pure function over group facts, tagged with its clause.

``collect_facts`` reads the database once; the checks themselves never touch it, which keeps
them fast and testable with plain data. Later capabilities (members, messages) add checks
with the same ``@registry_check`` decorator; the dashboard and ``qunguan check`` pick them up.

A breach is usually about a registered group. The one exception is an unregistered group (未登记
群组, an account seen in an import or by a bot that the registry lacks): its breach has group id 0
and names the platform and account, and the row in ``qunguan.unregistered`` to resolve.
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

from qunguan.approvals.models import EFFECTIVE_STATES, OPEN_STATES, Approval
from qunguan.registry.models import Group, GroupStatus
from qunguan.unregistered.models import SightingStatus, UnregisteredGroup


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
    # People named as owner or admin whom the roster marks as gone (毕业/调离/退休), as
    # "群主 王建国" / "管理员 李秀兰", and whether a handover request is already under way.
    departed: tuple[str, ...] = ()
    handover_pending: bool = False
    # Open account incidents (3(6)) of accounts in the latest member list, as "QQ 12345（被盗）".
    incident_accounts: tuple[str, ...] = ()

    def approved(self, kind: str) -> bool:
        return any(k == kind for k, _ in self.approvals)


@dataclass(frozen=True)
class UnregisteredFacts:
    """What the checks need to know about one open unregistered group (未登记群组)."""

    id: int
    platform: str
    account: str
    name: str
    label: str
    unit_id: int | None
    unit_name: str
    source: str
    last_seen: dt.datetime
    message_count: int


@dataclass(frozen=True)
class CheckContext:
    today: dt.date
    max_group_size: int = 150
    inactive_days: int = 90
    duplicate_jaccard: float = 0.8
    # Open unregistered groups in scope; only the callers that pass them (dashboard, command) see them.
    unregistered: tuple[UnregisteredFacts, ...] = ()


@dataclass(frozen=True)
class Breach:
    """One rule breach found by a check (违规项)."""

    kind: str
    clause: str
    title: str
    # 0 (no group has that id) when the breach is about an unregistered account; such a breach
    # names ``platform``, ``account`` and ``unregistered_id`` instead.
    group_id: int
    group_name: str
    unit_id: int | None  # None: an unregistered group attributed to no unit
    unit_name: str
    detail: str
    platform: str = ""
    account: str = ""
    unregistered_id: int | None = None  # the unregistered group (qunguan.unregistered) to resolve

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


@registry_check("needs_handover", "1(2)", "群主/管理员已离校离岗，需转交")
def check_needs_handover(groups: Sequence[GroupFacts], ctx: CheckContext) -> Iterator[Breach]:
    for g in groups:
        if not g.departed:
            continue
        who = "、".join(g.departed)
        if g.handover_pending:
            yield _breach("needs_handover", g, f"{who}已不在校/在岗，转交审批办理中")
        else:
            yield _breach("needs_handover", g, f"{who}已不在校/在岗，请本单位发起群主/管理员转交审批")


@registry_check("account_incident", "3(6)", "群内有账号报告遗失、被盗或出借")
def check_account_incidents(groups: Sequence[GroupFacts], ctx: CheckContext) -> Iterator[Breach]:
    for g in groups:
        if g.incident_accounts:
            yield _breach(
                "account_incident", g, f"账号事件未结：{'、'.join(g.incident_accounts)}，请核实并提醒群成员"
            )


@registry_check("no_admin", "1(2)", "未指定管理员")
def check_admin_designated(groups: Sequence[GroupFacts], ctx: CheckContext) -> Iterator[Breach]:
    for g in groups:
        if g.admin_count == 0:
            yield _breach("no_admin", g, "未指定专人担任管理员")


@registry_check("unregistered_group", "1(1)", "未登记的群组")
def check_unregistered(groups: Sequence[GroupFacts], ctx: CheckContext) -> Iterator[Breach]:
    c = CHECKS["unregistered_group"]
    for u in ctx.unregistered:
        yield Breach(
            c.kind,
            c.clause,
            c.title,
            0,
            u.label,
            u.unit_id,
            u.unit_name or "（未归属单位）",
            f"{u.source}发现，已存入 {u.message_count} 条消息，最近 {u.last_seen:%Y-%m-%d}；请登记或认定为非工作群",
            platform=u.platform,
            account=u.account,
            unregistered_id=u.id,
        )


def unregistered_facts(rows: QuerySet[UnregisteredGroup]) -> tuple[UnregisteredFacts, ...]:
    """Return the facts of the open unregistered groups in ``rows``, most recently seen first."""
    return tuple(
        UnregisteredFacts(
            id=r.pk,
            platform=r.platform,
            account=r.account,
            name=r.name,
            label=r.label,
            unit_id=r.unit_id,
            unit_name=r.unit.name if r.unit else "",
            source=r.get_source_display(),
            last_seen=timezone.localtime(r.last_seen),
            message_count=r.message_count,
        )
        for r in rows.filter(status=SightingStatus.OPEN).select_related("unit").order_by("-last_seen", "pk")
    )


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


def _departed(rows: Sequence[Group]) -> dict[int, tuple[str, ...]]:
    """Return, per group, its owner and admins whom the roster marks as no longer there."""
    out: dict[int, list[str]] = defaultdict(list)
    for g in rows:
        if g.owner is not None and not g.owner.active:
            out[g.pk].append(f"群主 {g.owner.name}")
    through = Group.admins.through.objects.filter(group__in=[g.pk for g in rows], person__active=False)
    for group_id, name in through.values_list("group_id", "person__name").order_by(
        "group_id", "person__name"
    ):
        out[group_id].append(f"管理员 {name}")
    return {k: tuple(v) for k, v in out.items()}


def collect_facts(groups: QuerySet[Group], *, today: dt.date | None = None) -> list[GroupFacts]:
    """Return the facts of every group in ``groups`` that is not dissolved (about ten queries).

    An approval counts when approved or filed and, if it has a validity date, not expired on
    ``today`` (default: the local date).
    """
    today = today or timezone.localdate()
    rows = list(
        groups.exclude(status=GroupStatus.DISSOLVED)
        .select_related("unit", "owner")
        .annotate(n_admins=Count("admins", distinct=True))
        .order_by("unit__path", "name")
    )
    ids = [g.pk for g in rows]
    approvals: dict[int, set[tuple[str, int | None]]] = defaultdict(set)
    for a in Approval.objects.filter(group__in=ids, state__in=EFFECTIVE_STATES).exclude(
        valid_until__lt=today
    ):
        approvals[a.group_id].add((a.kind, a.max_members))
    pending = set(
        Approval.objects.filter(group__in=ids, kind="handover", state__in=OPEN_STATES).values_list(
            "group_id", flat=True
        )
    )
    departed = _departed(rows)
    from qunguan.incidents.facts import incident_facts

    incidents = incident_facts(rows)
    # Imported late: the members app builds on the registry, not the other way round.
    from qunguan.members.facts import membership_facts

    membership = membership_facts(ids)
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
            departed=departed.get(g.pk, ()),
            handover_pending=g.pk in pending,
            incident_accounts=incidents.get(g.pk, ()),
            **membership.get(g.pk, {}),
        )
        for g in rows
    ]


def run_checks(
    groups: QuerySet[Group],
    *,
    today: dt.date | None = None,
    kinds: Iterable[str] | None = None,
    unregistered: QuerySet[UnregisteredGroup] | None = None,
) -> list[Breach]:
    """Run the registered checks (all, or those named in ``kinds``) over ``groups``; return the breaches.

    ``unregistered`` (already scoped to the caller) adds a breach for each open unregistered
    group in it; without it no breach lacks a group id.
    """
    wanted = set(kinds) if kinds is not None else set(CHECKS)
    ctx = CheckContext(
        today=today or timezone.localdate(),
        max_group_size=settings.QUNGUAN_MAX_GROUP_SIZE,
        inactive_days=settings.QUNGUAN_INACTIVE_DAYS,
        duplicate_jaccard=settings.QUNGUAN_DUPLICATE_JACCARD,
        unregistered=(
            unregistered_facts(unregistered)
            if unregistered is not None and "unregistered_group" in wanted
            else ()
        ),
    )
    facts = collect_facts(groups, today=ctx.today)
    breaches: list[Breach] = []
    for check in CHECKS.values():
        if check.kind in wanted:
            breaches.extend(check.fn(facts, ctx))
    return breaches


@dataclass(frozen=True)
class Reminder:
    """A temporary group (临时群) whose end date is near or past, for the unit to act on."""

    group_id: int
    group_name: str
    unit_id: int
    unit_name: str
    end_date: dt.date
    days_left: int  # negative once overdue

    @property
    def overdue(self) -> bool:
        return self.days_left < 0


def due_reminders(
    today: dt.date, *, within_days: int | None = None, groups: QuerySet[Group] | None = None
) -> list[Reminder]:
    """Return the temporary groups whose end date falls within ``within_days`` of ``today``
    (default ``QUNGUAN_TEMPORARY_REMIND_DAYS``) or has passed, soonest first.

    Groups kept by an effective retention approval are left out. It only reads; the scheduler
    decides whom to remind and how often.
    """
    days = settings.QUNGUAN_TEMPORARY_REMIND_DAYS if within_days is None else within_days
    qs = (groups if groups is not None else Group.objects.all()).filter(
        status=GroupStatus.TEMPORARY, end_date__isnull=False, end_date__lte=today + dt.timedelta(days=days)
    )
    kept = set(
        Approval.objects.filter(kind="retention", state__in=EFFECTIVE_STATES, group__in=qs)
        .exclude(valid_until__lt=today)
        .values_list("group_id", flat=True)
    )
    return [
        Reminder(g.pk, g.name, g.unit_id, g.unit.name, g.end_date, (g.end_date - today).days)
        for g in qs.select_related("unit").order_by("end_date", "pk")
        if g.pk not in kept and g.end_date is not None
    ]
