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
from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Any

import pytest

from qunguan.accounts.actions import do_create_user, do_grant_role
from qunguan.accounts.models import Role, User
from qunguan.registry import actions
from qunguan.registry.models import Group, Person, Unit
from tests.rowsnapshot import RowSnapshot, settings_fingerprint

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


# The cast's rows as the actions wrote them, per settings fingerprint (see tests/rowsnapshot.py).
_cast_snapshots: dict[str, tuple[RowSnapshot, dict[str, tuple[type[Any], Any]]]] = {}


def _cast_keys(cast: Cast) -> dict[str, tuple[type[Any], Any]]:
    return {f.name: (type(v), v.pk) for f in fields(Cast) for v in [getattr(cast, f.name)]}


def _cast_from(keys: dict[str, tuple[type[Any], Any]]) -> Cast:
    """The cast's objects read fresh from the database: a test may change its copies at will."""
    wanted: dict[type[Any], list[Any]] = {}
    for model, pk in keys.values():
        wanted.setdefault(model, []).append(pk)
    found = {model: model.objects.in_bulk(pks) for model, pks in wanted.items()}
    return Cast(**{name: found[model][pk] for name, (model, pk) in keys.items()})


def fixed_cast() -> Cast:
    """Return the cast: built through the actions, or a copy of the rows an earlier build wrote.

    The copy is used where it is exactly what a build would write now (tests/rowsnapshot.py):
    same settings, empty tables, a recent build.
    """
    fingerprint = settings_fingerprint()
    known = _cast_snapshots.get(fingerprint)
    if known is not None and known[0].fresh(fingerprint) and known[0].replay():
        return _cast_from(known[1])
    built, snapshot = RowSnapshot.take(build_cast, fingerprint)
    if len(_cast_snapshots) > 8:  # settings that change in every test: keep memory bounded
        _cast_snapshots.clear()
    if snapshot is not None:
        _cast_snapshots[fingerprint] = (snapshot, _cast_keys(built))
    return _cast_from(_cast_keys(built))


@pytest.fixture
def cast(db: Any) -> Cast:
    return fixed_cast()


# Phrase-set skeletons built so far in this process: (class, phrases) -> prefilter.
_skeletons: dict[tuple[type[Any], frozenset[str]], Any] = {}


@pytest.fixture
def shared_phrase_skeletons(monkeypatch: pytest.MonkeyPatch) -> None:
    """For this test, build each phrase set's skeleton prefilter once per process, not once per auditor.

    Tests that need an auditor with no memory of earlier tests (``fresh_auditor``) build a new
    one each time, and the prefilter over every lexicon phrase is most of that cost (a quarter of
    a second). ``PhraseSkeleton.build`` depends only on the set of phrases it is given and the
    prefilter never changes after it is built, so auditors may share it; their detectors, plans
    and conversation windows stay their own.
    """
    from qunguan.audit.skeleton import PhraseSkeleton

    build = PhraseSkeleton.build.__func__  # type: ignore[attr-defined]

    def build_once(cls: type[PhraseSkeleton], phrases: Iterable[str]) -> PhraseSkeleton:
        key = (cls, frozenset(phrases))
        if key not in _skeletons:
            _skeletons[key] = build(cls, key[1])
        return _skeletons[key]  # type: ignore[no-any-return]

    monkeypatch.setattr(PhraseSkeleton, "build", classmethod(build_once))


@pytest.fixture(autouse=True)
def _isolated_media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "uploads")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # The cast has a dozen accounts; PBKDF2 at production strength would spend seconds per test
    # on hashing alone. What is tested is who may log in, not the hash's cost.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
