"""``qunguan createsuperuser``: the supervisor's account (党委宣传部), with the role, through the actions."""

from __future__ import annotations

import io
import sqlite3

import pytest

from qunguan.accounts.management.commands.createsuperuser import Command as CreateSuperuser
from qunguan.accounts.models import RoleAssignment, User
from qunguan.auditlog.events import AuditEvent
from qunguan.auditlog.models import AuditLogEntry
from qunguan.registry import access
from qunguan.registry.models import Group

from .commands import qunguan, run_command

PASSWORD = "correct-horse-battery-staple-9"


@pytest.fixture(autouse=True)
def _no_superuser_env(monkeypatch):
    monkeypatch.delenv("DJANGO_SUPERUSER_USERNAME", raising=False)
    monkeypatch.delenv("DJANGO_SUPERUSER_PASSWORD", raising=False)


def create(*args: str, **options):
    # The command class itself: which app's createsuperuser `qunguan` runs is a separate specification.
    return run_command(CreateSuperuser(), *args, **options)


def test_noinput_creates_a_superuser_who_is_supervisor_of_the_whole_school(cast, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)

    result = create("--noinput", "--username", "admin")

    assert result.error is None
    assert result.out.strip() == "已创建党委宣传部管理员账号 admin，并授予统筹监管角色。"
    admin = User.objects.get(username="admin")
    assert (admin.is_superuser, admin.display_name, admin.check_password(PASSWORD)) == (
        True,
        "党委宣传部 管理员",
        True,
    )
    assert access.is_supervisor(admin)
    assert list(RoleAssignment.objects.filter(user=admin).values_list("role", "unit", "group")) == [
        ("supervisor", None, None)
    ]
    assert set(access.visible_groups(admin)) == set(Group.objects.all())


def test_both_steps_are_in_the_audit_log_as_the_system(cast, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    log_size = AuditLogEntry.objects.count()

    create("--noinput", "--username", "admin", "--display-name", "宣传部 王老师")

    entries = AuditLogEntry.objects.filter(seq__gt=log_size).order_by("seq")
    assert [(e.event_type, e.actor_label, e.summary) for e in entries] == [
        (AuditEvent.USER_CREATED, "system", "创建账号 admin"),
        (AuditEvent.USER_ROLE_GRANTED, "system", "授予 admin 角色“党委宣传部（统筹监管）”（全校）"),
    ]
    assert User.objects.get(username="admin").display_name == "宣传部 王老师"


def test_the_username_may_come_from_the_environment(db, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "xcb-admin")

    assert create("--noinput").error is None
    assert access.is_supervisor(User.objects.get(username="xcb-admin"))


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (
            ["--noinput", "--username", "admin"],
            None,
            "非交互模式（--noinput）必须通过环境变量 DJANGO_SUPERUSER_PASSWORD 提供密码。",
        ),
        (
            ["--noinput"],
            PASSWORD,
            "非交互模式（--noinput）必须用 --username 或环境变量 DJANGO_SUPERUSER_USERNAME 指定用户名。",
        ),
        (["--noinput", "--username", "xcb"], PASSWORD, "用户名 xcb 已存在。"),
    ],
)
def test_noinput_refusals_are_one_chinese_line(cast, monkeypatch, args, password, message):
    if password:
        monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", password)
    users = User.objects.count()

    assert create(*args).error == message
    assert User.objects.count() == users


def test_a_weak_password_creates_nothing(cast, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "12345")
    log_size = AuditLogEntry.objects.count()

    result = create("--noinput", "--username", "admin")

    assert result.error is not None
    assert result.error.startswith("密码不符合要求：")
    assert not User.objects.filter(username="admin").exists()
    assert AuditLogEntry.objects.count() == log_size


def test_an_invalid_username_is_refused(db, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)

    result = create("--noinput", "--username", "bad name")

    assert result.error is not None
    assert result.error.startswith("用户名无效：")


def test_interactive_mode_without_a_terminal_says_how_to_run_it(db):
    result = create(stdin=io.StringIO())

    assert result.error == (
        "当前不在终端中运行，无法输入密码。请使用 --noinput --username 用户名，"
        "并通过环境变量 DJANGO_SUPERUSER_PASSWORD 提供密码。"
    )


def test_qunguan_createsuperuser_runs_the_supervisor_command(data_dir):
    # A project command overrides Django's only when its app comes before django.contrib.auth
    # in INSTALLED_APPS (the first app listed wins).
    result = qunguan(
        data_dir, "createsuperuser", "--noinput", "--username", "admin", DJANGO_SUPERUSER_PASSWORD=PASSWORD
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "已创建党委宣传部管理员账号 admin，并授予统筹监管角色。"
    with sqlite3.connect(data_dir / "qunguan.sqlite3") as db:
        roles = db.execute(
            "SELECT r.role, r.unit_id, u.is_superuser FROM accounts_roleassignment r "
            "JOIN accounts_user u ON u.id = r.user_id WHERE u.username = 'admin'"
        ).fetchall()
    assert roles == [("supervisor", None, 1)]
