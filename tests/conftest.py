"""The fixed cast every specification uses, built through the domain actions.

School tree::

    四川示例音乐学院 (party_committee, root)
    ├── 作曲系 (college)      ← manager_a manages, head_a heads
    │   └── 作曲2023级1班 (class)
    └── 声乐系 (college)      ← manager_b manages

People: a supervisor (宣传部), two unit managers of the sibling colleges, a group admin of
one 作曲系 group, and an outsider with no role at all.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from qunguan.accounts.actions import do_create_user, do_grant_role
from qunguan.accounts.models import Role, User
from qunguan.registry import actions
from qunguan.registry.models import Group, Person, Unit

PASSWORD = "correct-horse-battery-staple-9"


@dataclass
class Cast:
    school: Unit
    composition: Unit
    composition_class: Unit
    vocal: Unit
    supervisor: User
    manager_a: User
    manager_b: User
    head_a: User
    group_admin: User
    outsider: User
    teacher_a: Person
    teacher_b: Person
    student_a: Person
    group_a: Group
    group_b: Group


def make_user(username: str, display_name: str, person: Person | None = None) -> User:
    return do_create_user(
        None, username=username, password=PASSWORD, display_name=display_name, person=person
    )


def build_cast() -> Cast:
    school = actions.do_create_unit(None, name="四川示例音乐学院党委", kind="party_committee", headcount=900)
    composition = actions.do_create_unit(None, name="作曲系", kind="college", parent=school, headcount=60)
    composition_class = actions.do_create_unit(
        None, name="作曲2023级1班", kind="class", parent=composition, headcount=32
    )
    vocal = actions.do_create_unit(None, name="声乐系", kind="college", parent=school, headcount=80)
    teacher_a = actions.do_create_person(
        None, number="T1001", name="王建国", kind="staff", unit=composition, phone="13800138000"
    )
    teacher_b = actions.do_create_person(
        None, number="T2001", name="李秀兰", kind="staff", unit=vocal, phone="13900139000"
    )
    student_a = actions.do_create_person(
        None, number="2023010101", name="张小明", kind="student", unit=composition_class, phone="13700137000"
    )
    supervisor = make_user("xcb", "宣传部 刘老师")
    do_grant_role(None, supervisor, Role.SUPERVISOR)
    manager_a = make_user("zuoqu", "作曲系 联络人", teacher_a)
    do_grant_role(None, manager_a, Role.UNIT_MANAGER, unit=composition)
    manager_b = make_user("shengyue", "声乐系 联络人", teacher_b)
    do_grant_role(None, manager_b, Role.UNIT_MANAGER, unit=vocal)
    head_a = make_user("zuoqu-head", "作曲系 主任")
    do_grant_role(None, head_a, Role.UNIT_HEAD, unit=composition)
    group_a = actions.do_register_group(
        None,
        platform="qq",
        account="600100200",
        name="作曲系教职工群",
        unit=composition,
        is_official=True,
        member_scope="作曲系全体教职工",
        purpose="工作通知",
        owner=teacher_a,
        created_on=dt.date(2022, 9, 1),
        member_count=45,
        admins=[teacher_a],
    )
    group_b = actions.do_register_group(
        None,
        platform="wechat",
        account="wx-shengyue-001",
        name="声乐系工作群",
        unit=vocal,
        is_official=True,
        member_scope="声乐系全体教职工",
        purpose="工作通知",
        owner=teacher_b,
        created_on=dt.date(2022, 9, 1),
        member_count=70,
        admins=[teacher_b],
    )
    group_admin = make_user("qunzhu", "作曲系 群管理员")
    do_grant_role(None, group_admin, Role.GROUP_ADMIN, group=group_a)
    outsider = make_user("outsider", "无关人员")
    return Cast(
        school=school,
        composition=composition,
        composition_class=composition_class,
        vocal=vocal,
        supervisor=supervisor,
        manager_a=manager_a,
        manager_b=manager_b,
        head_a=head_a,
        group_admin=group_admin,
        outsider=outsider,
        teacher_a=teacher_a,
        teacher_b=teacher_b,
        student_a=student_a,
        group_a=group_a,
        group_b=group_b,
    )


@pytest.fixture
def cast(db: Any) -> Cast:
    return build_cast()


@pytest.fixture(autouse=True)
def _isolated_media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "uploads")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # The cast has a dozen accounts; PBKDF2 at production strength would spend seconds per test
    # on hashing alone. What is tested is who may log in, not the hash's cost.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
