"""``qunguan createsuperuser``: create the supervisor's account (党委宣传部管理员).

Replaces ``django.contrib.auth``'s command of the same name, which writes the user through the
ORM: here the account is created and given the supervisor role through the account actions,
in one transaction, so both steps are in the audit log. The supervisor role is school-wide
(the role's scope constraint forbids a unit), which is what ``access.is_supervisor`` reads.

Non-interactive use, as with Django's command::

    DJANGO_SUPERUSER_PASSWORD=... qunguan createsuperuser --noinput --username xcb
"""

from __future__ import annotations

import getpass
import os
import sys
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from qunguan.accounts.actions import do_create_user, do_grant_role
from qunguan.accounts.models import Role, User
from qunguan.registry.errors import RegistryError

PASSWORD_ENV = "DJANGO_SUPERUSER_PASSWORD"  # noqa: S105 - the variable's name, not a password
USERNAME_ENV = "DJANGO_SUPERUSER_USERNAME"
DEFAULT_DISPLAY_NAME = "党委宣传部 管理员"


class Command(BaseCommand):
    help = (
        "创建党委宣传部管理员账号：超级用户，并授予“党委宣传部（统筹监管）”角色，可查看和管理全校数据。"
        f"非交互使用：--noinput --username 用户名，密码由环境变量 {PASSWORD_ENV} 提供。"
    )
    requires_migrations_checks = True
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", help=f"登录用户名（非交互时也可用环境变量 {USERNAME_ENV}）")
        parser.add_argument(
            "--display-name", default=DEFAULT_DISPLAY_NAME, help=f"显示的姓名（默认“{DEFAULT_DISPLAY_NAME}”）"
        )
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help=f"不提示输入：必须给出 --username，密码由环境变量 {PASSWORD_ENV} 提供",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"]
        if options["interactive"]:
            stdin = options.get("stdin") or sys.stdin
            if not (hasattr(stdin, "isatty") and stdin.isatty()):
                raise CommandError(
                    f"当前不在终端中运行，无法输入密码。请使用 --noinput --username 用户名，并通过环境变量 {PASSWORD_ENV} 提供密码。"
                )
            username = self.ask_username(username)
            password = self.ask_password(username)
        else:
            username = username or os.environ.get(USERNAME_ENV)
            if not username:
                raise CommandError(
                    f"非交互模式（--noinput）必须用 --username 或环境变量 {USERNAME_ENV} 指定用户名。"
                )
            self.check_username(username)
            password = os.environ.get(PASSWORD_ENV, "")
            if not password:
                raise CommandError(f"非交互模式（--noinput）必须通过环境变量 {PASSWORD_ENV} 提供密码。")
        user = create_supervisor(username, password, options["display_name"])
        if options["verbosity"] >= 1:
            self.stdout.write(
                self.style.SUCCESS(f"已创建党委宣传部管理员账号 {user.username}，并授予统筹监管角色。")
            )

    def check_username(self, username: str) -> None:
        """Raise CommandError when ``username`` is not a valid, unused login name."""
        try:
            User._meta.get_field("username").clean(username, None)
        except ValidationError as exc:
            raise CommandError(f"用户名无效：{'；'.join(exc.messages)}") from None
        if User.objects.filter(username=username).exists():
            raise CommandError(f"用户名 {username} 已存在。")

    def ask_username(self, username: str | None) -> str:
        while True:
            if not username:
                username = input("用户名：").strip()
            try:
                self.check_username(username)
            except CommandError as exc:
                self.stderr.write(str(exc))
                username = None
                continue
            return username

    def ask_password(self, username: str) -> str:
        from django.contrib.auth.password_validation import validate_password

        while True:
            password = getpass.getpass("密码：")
            if password != getpass.getpass("再次输入密码："):
                self.stderr.write("两次输入的密码不一致，请重新输入。")
                continue
            try:
                validate_password(password, User(username=username))
            except ValidationError as exc:
                self.stderr.write(f"密码不符合要求：{'；'.join(exc.messages)}")
                continue
            return password


def create_supervisor(username: str, password: str, display_name: str) -> User:
    """Create a superuser holding the school-wide supervisor role (both audit-logged) and return it.

    Raises CommandError when the username is taken or the password fails the validators.
    """
    try:
        with transaction.atomic():
            user = do_create_user(
                None, username=username, password=password, display_name=display_name, is_superuser=True
            )
            do_grant_role(None, user, Role.SUPERVISOR)
    except RegistryError as exc:
        raise CommandError(exc.message) from None
    except ValidationError as exc:
        raise CommandError(f"密码不符合要求：{'；'.join(exc.messages)}") from None
    return user
