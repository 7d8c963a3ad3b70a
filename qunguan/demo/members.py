"""Demo member lists (群成员名单): imported through ``do_import_members`` like a liaison's upload.

They make the membership checks visible in the demo: two groups of one unit with nearly the
same members (4(1) duplicate), a group whose only member list is four months old and which has
no stored messages (4(1) inactive), a stranger in a group (1(3) real name), and a member whose
QQ account was reported stolen (3(6) account incident). The groups are
chosen among those that break no other rule and have no demo chats, so that every other
breach and near miss of the demo stays as it was.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from django.utils import timezone

from qunguan.demo.chats import chat_groups
from qunguan.incidents.actions import do_report_incident
from qunguan.members.actions import MemberImport, do_import_members
from qunguan.registry.checks import run_checks
from qunguan.registry.models import Group, GroupStatus, Person

MEMBERS_PER_LIST = 10


def _write(path: Path, group: Group, people: list[Person], strangers: int = 0) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["群名片", "昵称", "QQ号或微信号", "角色"])
        for n, person in enumerate(people):
            writer.writerow([person.name, "", _account(group, person.number), "群主" if n == 0 else "成员"])
        for n in range(strangers):
            writer.writerow([f"路人{n + 1}", "", _account(group, f"X{n}"), "成员"])
    return path


def _account(group: Group, number: str) -> str:
    # the same person has the same id on one platform, as in the demo chats
    digits = "".join(ch for ch in number if ch.isdigit()) or "0"
    return f"4{int(digits) % 10**9:09d}" if group.platform == "qq" else f"wxid_{number.lower()}"


def import_demo_members(groups: Iterable[Group], today: dt.date) -> list[MemberImport]:
    """Import the demo member lists described above; return what each import did."""
    groups = list(groups)
    flagged = {b.group_id for b in run_checks(Group.objects.filter(pk__in=[g.pk for g in groups]))}
    chatting = {g.pk for g in chat_groups(groups)}
    # Temporary and large groups are the demo's near misses (an ending date, exactly 150, an
    # approval on file); a member list would rewrite the very count they turn on.
    clean = sorted(
        (
            g
            for g in groups
            if g.status == GroupStatus.ACTIVE and g.member_count < 150 and g.pk not in flagged | chatting
        ),
        key=lambda g: g.name,
    )
    by_unit: dict[int, list[Group]] = defaultdict(list)
    for g in clean:
        by_unit[g.unit_id].append(g)
    pair = next((gs[:2] for gs in by_unit.values() if len(gs) >= 2), [])
    rest = [g for g in clean if g not in pair]
    done: list[MemberImport] = []

    def people_of(group: Group) -> list[Person]:
        found = list(
            Person.objects.filter(unit__path__startswith=group.unit.path, active=True).order_by("number")
        )
        return found[: min(MEMBERS_PER_LIST, max(len(found) - 1, 0))]

    def at(days: int) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=days), dt.time(9, 0)))

    with tempfile.TemporaryDirectory(prefix="qunguan-demo-members-") as tmp:
        for n, group in enumerate(pair):
            people = people_of(group)
            if len(people) >= 4:
                path = _write(Path(tmp) / f"{group.account}.csv", group, people, strangers=1 if n == 0 else 0)
                done.append(do_import_members(None, group, path, taken_at=at(2)))
        if rest:
            group = rest[0]
            people = people_of(group)
            if people:
                path = _write(Path(tmp) / f"{group.account}.csv", group, people)
                done.append(do_import_members(None, group, path, taken_at=at(120)))
    _report_stolen_account([m.snapshot.group for m in done])
    return done


def _report_stolen_account(groups: list[Group]) -> None:
    """Report the account of one ordinary member (not the owner) of a demo member list as stolen."""
    for group in groups:
        people = list(
            Person.objects.filter(unit__path__startswith=group.unit.path, active=True).order_by("number")[:2]
        )
        if len(people) == 2:
            do_report_incident(
                None,
                platform=group.platform,
                account=_account(group, people[1].number),
                kind="stolen",
                description="本人QQ号被盗，盗号者可能冒充本人在群里发消息或索要验证码。",
            )
            return
