"""``qunguan api-token create|list|revoke``: API tokens for scripts (接口令牌)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from qunguan.accounts.models import User
from qunguan.api.actions import do_create_api_token, do_revoke_api_token
from qunguan.api.models import ApiToken
from qunguan.registry.errors import RegistryError


class Command(BaseCommand):
    help = "管理接口令牌：create 创建（令牌只显示一次）、list 列出、revoke 吊销。"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{create,list,revoke}")
        create = sub.add_parser("create", help="为账号创建令牌，并打印令牌（只显示这一次）")
        create.add_argument("--user", required=True, help="用户名")
        create.add_argument("--name", required=True, help="令牌用途，例如“备案统计脚本”")
        listing = sub.add_parser("list", help="列出令牌（不含令牌本身）")
        listing.add_argument("--user", help="只列出该用户名的令牌")
        revoke = sub.add_parser("revoke", help="吊销令牌")
        revoke.add_argument("id", type=int, help="令牌 id（见 list）")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "create":
            self._create(options["user"], options["name"])
        elif action == "list":
            self._list(options.get("user"))
        else:
            self._revoke(options["id"])

    def _user(self, username: str) -> User:
        try:
            return User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"没有用户名为 {username} 的账号。") from None

    def _create(self, username: str, name: str) -> None:
        try:
            _, token = do_create_api_token(None, self._user(username), name=name)
        except RegistryError as exc:
            raise CommandError(exc.message) from None
        # the token alone on stdout, so that scripts can capture it; the advice goes to stderr
        self.stdout.write(token)
        self.stderr.write("请妥善保存此令牌：它不会再次显示。用法：Authorization: Bearer <令牌>")

    def _list(self, username: str | None) -> None:
        tokens = ApiToken.objects.select_related("user").order_by("user__username", "-created")
        if username:
            tokens = tokens.filter(user=self._user(username))
        for t in tokens:
            state = f"已吊销 {t.revoked:%Y-%m-%d %H:%M}" if t.revoked else "有效"
            used = f"{t.last_used:%Y-%m-%d %H:%M}" if t.last_used else "从未使用"
            self.stdout.write(f"{t.pk}\t{t.user.username}\t{t.name}\t{t.prefix}…\t{state}\t最近使用 {used}")

    def _revoke(self, token_id: int) -> None:
        token = ApiToken.objects.select_related("user").filter(pk=token_id).first()
        if token is None:
            raise CommandError(f"没有 id 为 {token_id} 的令牌。")
        do_revoke_api_token(None, token)
        self.stdout.write(f"已吊销令牌 {token.pk}（{token.name}）。")
