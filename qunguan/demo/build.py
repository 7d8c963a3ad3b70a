"""Build the demo school: a fictional conservatory, 蓉城音乐学院 (all names and numbers invented).

Everything is created through the domain actions with ``actor=None`` (the system), exactly as
an import would, so the demo also exercises the audit log. Randomness comes from one fixed
seed: two builds on the same day produce the same school. Dates of temporary groups are set
relative to today so that "overdue" and "not yet ended" stay true whenever the demo is loaded.

The school contains groups that break every registry check (see ``school.breach_specs``) next to
near-misses that must not be reported (an over-150 group with an approval on file, an overdue
temporary group whose retention was approved, a temporary group still running, dissolved ones).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from qunguan.accounts.actions import do_create_user, do_grant_role
from qunguan.accounts.models import Role, User
from qunguan.approvals.actions import do_record_approval
from qunguan.demo.rules import rules_docx
from qunguan.demo.school import (
    COLLEGE_CODES,
    GIVEN,
    STAFF_PER_UNIT,
    SURNAMES,
    UNITS,
    GroupSpec,
    class_year,
    college_of,
    group_specs,
)
from qunguan.registry import actions
from qunguan.registry.models import Group, GroupStatus, Person, Unit

SCHOOL = "蓉城音乐学院"
SEED = 2026
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PASSWORD = "demo-pass-2026"  # noqa: S105 - the published demo password, printed for every newcomer


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    scope: str
    note: str


LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin("xuanchuan", "党委宣传部（统筹监管）", "全校", "看全部单位、群组、违规项"),
    DemoLogin("zuoqu", "单位联络人", "作曲系", "登记本系群组；看不到声乐系"),
    DemoLogin("shengyue", "单位联络人", "声乐系", "作曲系的兄弟单位"),
    DemoLogin("zuoqu-zhuren", "单位负责人", "作曲系", "只读，签批审批"),
    DemoLogin("qunzhu", "群主/管理员", "作曲2023级1班班级群", "只看自己管理的群"),
    DemoLogin("shenhe", "审核员", "器乐系", "处理本单位范围的审查发现"),
)


@dataclass
class Built:
    """What the build made, for the command's summary and the tests."""

    units: dict[str, Unit]
    people: list[Person]
    groups: dict[str, Group]
    users: dict[str, User]


def _names(rng: random.Random) -> Iterator[str]:
    while True:
        yield rng.choice(SURNAMES) + rng.choice(GIVEN)


def _phones(prefix: str) -> Iterator[str]:
    # Test-style numbers only (13800138xxx for staff, 13900139xxx for students), never real ones.
    for n in range(1000):
        yield f"{prefix}{n:03d}"


class _Builder:
    def __init__(self, today: dt.date) -> None:
        self.today = today
        self.rng = random.Random(SEED)  # noqa: S311 - reproducible demo data, not security
        self.names = _names(self.rng)
        self.phones = {"staff": _phones("13800138"), "student": _phones("13900139")}
        self.units: dict[str, Unit] = {}
        self.staff: dict[str, list[Person]] = {}
        self.students: dict[str, list[Person]] = {}
        self.groups: dict[str, Group] = {}
        self.accounts: set[str] = set()
        self.staff_seq = 1000

    # ------------------------------------------------------------ units and roster

    def build_units(self) -> None:
        for name, kind, parent, headcount in UNITS:
            self.units[name] = actions.do_create_unit(
                None, name=name, kind=kind, parent=self.units[parent] if parent else None, headcount=headcount
            )

    def _person(self, unit: Unit, number: str, kind: str) -> Person:
        return actions.do_create_person(
            None,
            number=number,
            name=next(self.names),
            kind=kind,
            unit=unit,
            phone=next(self.phones[kind]),
            email=f"{number.lower()}@rcyy.example.edu.cn" if kind == "staff" else "",
        )

    def build_roster(self) -> None:
        for name, kind, parent, headcount in UNITS:
            unit = self.units[name]
            if kind == "class":
                year = class_year(name)
                college = COLLEGE_CODES[college_of(name)]
                siblings = [n for n, k, p, _ in UNITS if k == "class" and p == parent]
                class_no = f"{siblings.index(name) + 1:02d}"
                # the roster of a class is its headcount minus a few students on leave
                self.students[name] = [
                    self._person(unit, f"{year}{college}{class_no}{seat:02d}", "student")
                    for seat in range(1, headcount - self.rng.randint(1, 4) + 1)
                ]
            else:
                self.staff[name] = []
                for _ in range(STAFF_PER_UNIT):
                    self.staff_seq += 1
                    self.staff[name].append(self._person(unit, f"T{self.staff_seq}", "staff"))

    def assign_heads(self) -> None:
        for name, kind, parent, _ in UNITS:
            unit = self.units[name]
            if kind == "class":
                # a class is led by a teacher of its college; its liaison is the monitor (班长)
                head, liaison = self.staff[parent or ""][-1], self.students[name][0]
            else:
                head, liaison = self.staff[name][0], self.staff[name][1]
            actions.do_update_unit(None, unit, head=head, liaison=liaison)

    # ------------------------------------------------------------ groups

    def _account(self, platform: str) -> str:
        while True:
            if platform == "qq":
                account = str(self.rng.randint(600_000_000, 899_999_999))
            elif platform == "wechat":
                account = f"wxg-{self.rng.randint(10**7, 10**8 - 1)}"
            else:
                account = f"wecom-rc-{self.rng.randint(10**5, 10**6 - 1)}"
            if account not in self.accounts:
                self.accounts.add(account)
                return account

    def _people_of(self, unit_name: str) -> list[Person]:
        return self.staff.get(unit_name) or self.students[unit_name]

    def register(self, spec: GroupSpec) -> Group:
        unit = self.units[spec.unit]
        staff = self.staff.get(spec.unit) or self.staff[college_of(spec.unit)]
        owner = staff[self.rng.randrange(len(staff))]
        admins = [owner]
        if spec.unit in self.students:
            admins.append(self.students[spec.unit][0])  # the monitor helps run a class group
        data: dict[str, Any] = {
            "platform": spec.platform,
            "account": self._account(spec.platform),
            "name": spec.name,
            "unit": unit,
            "is_official": spec.official,
            "member_scope": spec.scope,
            "purpose": spec.purpose,
            "owner": owner if spec.owner else None,
            "created_on": self.today - dt.timedelta(days=self.rng.randint(60, 1500)),
            "member_count": spec.members,
            "status": spec.status,
            "end_date": self.today + dt.timedelta(days=spec.end_in_days)
            if spec.end_in_days is not None
            else None,
            "notes": "演示数据" + (f"：预期违规 {spec.breach}" if spec.breach else ""),
            **spec.extra,
        }
        if spec.status == GroupStatus.TEMPORARY:
            # a temporary group was set up for a recent piece of work
            data["created_on"] = data["end_date"] - dt.timedelta(days=self.rng.randint(20, 60))
        group = actions.do_register_group(None, admins=admins if spec.admins else (), **data)
        if spec.rules:
            doc = rules_docx(spec.name, spec.unit, SCHOOL)
            actions.do_upload_group_rules(
                None, group, SimpleUploadedFile("群管理办法.docx", doc, content_type=DOCX)
            )
        if spec.approval:
            approval = dict(spec.approval)
            head = unit.head
            do_record_approval(
                None,
                group,
                approved_by=head,
                decided_on=data["created_on"] + dt.timedelta(days=3),
                **approval,
            )
        if spec.dissolve:
            actions.do_dissolve_group(
                None, group, on=self.today - dt.timedelta(days=30), reason="工作结束，按第三条第五款解散"
            )
        self.groups[spec.name] = group
        return group

    def build_groups(self) -> None:
        for spec in group_specs(self.rng):
            self.register(spec)


def build_logins(b: _Builder) -> dict[str, User]:
    """Create the demo accounts listed in ``LOGINS`` with their roles; return them by username."""
    users: dict[str, User] = {}

    def user(username: str, display_name: str, person: Person | None) -> User:
        users[username] = do_create_user(
            None,
            username=username,
            password=PASSWORD,
            display_name=display_name,
            person=person,
            validate=True,
        )
        return users[username]

    u = b.units
    do_grant_role(
        None,
        user("xuanchuan", "党委宣传部 " + b.staff["党委宣传部"][1].name, b.staff["党委宣传部"][1]),
        Role.SUPERVISOR,
    )
    zuoqu = u["作曲系"]
    do_grant_role(
        None,
        user("zuoqu", "作曲系联络人 " + _name(zuoqu.liaison), zuoqu.liaison),
        Role.UNIT_MANAGER,
        unit=zuoqu,
    )
    shengyue = u["声乐系"]
    do_grant_role(
        None,
        user("shengyue", "声乐系联络人 " + _name(shengyue.liaison), shengyue.liaison),
        Role.UNIT_MANAGER,
        unit=shengyue,
    )
    do_grant_role(
        None, user("zuoqu-zhuren", "作曲系主任 " + _name(zuoqu.head), zuoqu.head), Role.UNIT_HEAD, unit=zuoqu
    )
    class_group = b.groups["作曲2023级1班班级群"]
    do_grant_role(
        None,
        user("qunzhu", "群主 " + _name(class_group.owner), class_group.owner),
        Role.GROUP_ADMIN,
        group=class_group,
    )
    reviewer = b.staff["器乐系"][2]
    do_grant_role(
        None, user("shenhe", "器乐系审核员 " + reviewer.name, reviewer), Role.REVIEWER, unit=u["器乐系"]
    )
    return users


def _name(person: Person | None) -> str:
    return person.name if person else ""


@transaction.atomic
def _one_admin_has_left(groups: Any) -> None:
    """Mark one admin (not the owner) of an ordinary group as having left (1(2): needs a handover)."""
    for group in sorted(groups, key=lambda g: g.name):
        if group.status != GroupStatus.ACTIVE or group.member_count >= 150:
            continue
        admin = group.admins.exclude(pk=group.owner_id).order_by("number").first()
        if admin is not None and admin.administered_groups.count() == 1:
            actions.do_update_person(None, admin, active=False)
            return


def build(today: dt.date | None = None) -> Built:
    """Build the whole demo school in one transaction and return what was made."""
    b = _Builder(today or timezone.localdate())
    b.build_units()
    b.build_roster()
    b.assign_heads()
    b.build_groups()
    _one_admin_has_left(b.groups.values())
    users = build_logins(b)
    people = [p for group in (*b.staff.values(), *b.students.values()) for p in group]
    return Built(units=b.units, people=people, groups=b.groups, users=users)
