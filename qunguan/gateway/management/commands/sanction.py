"""``qunguan sanction``: a school-wide sanction (一处违规，全校联动) on one QQ account."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qunguan.accounts.models import User
from qunguan.registry.errors import RegistryError


class Command(BaseCommand):
    help = "全校联动处置：在机器人管理的所有已登记QQ群中禁言或移出一个QQ号（须写明理由）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("qq", help="QQ号")
        parser.add_argument("--reason", required=True, help="处置理由（记入审计日志）")
        parser.add_argument("--kick", action="store_true", help="移出所有群（默认禁言）")
        parser.add_argument("--lift", action="store_true", help="解除该QQ号生效中的处置（理由即解除理由）")
        parser.add_argument("--minutes", type=int, default=24 * 60, help="禁言分钟数（默认1440，即一天）")
        parser.add_argument("--as", dest="as_user", metavar="USERNAME", help="以该党委宣传部账号的身份处置")

    def handle(self, *args: Any, **options: Any) -> None:
        from qunguan.gateway.actions import do_apply_sanction, do_lift_sanction
        from qunguan.gateway.models import Sanction

        actor = None
        if options["as_user"]:
            actor = User.objects.filter(username=options["as_user"], is_active=True).first()
            if actor is None:
                raise CommandError(f"没有用户名为 {options['as_user']} 的有效账号。")
        if options["lift"]:
            in_force = list(
                Sanction.objects.filter(qq=options["qq"].strip(), lifted_at__isnull=True).order_by("id")
            )
            if not in_force:
                raise CommandError(f"QQ {options['qq']} 没有生效中的处置。")
            try:
                for sanction in in_force:
                    do_lift_sanction(actor, sanction, reason=options["reason"])
            except RegistryError as exc:
                raise CommandError(exc.message) from None
            self.stdout.write(f"已解除 QQ {options['qq'].strip()} 的 {len(in_force)} 项处置。")
            return
        try:
            sanction = do_apply_sanction(
                actor,
                qq=options["qq"],
                kind="kick" if options["kick"] else "mute",
                reason=options["reason"],
                minutes=options["minutes"],
            )
        except RegistryError as exc:
            raise CommandError(exc.message) from None
        count = sanction.actions.count()
        self.stdout.write(
            f"已登记：QQ {sanction.qq} {sanction.get_kind_display()}，涉及 {count} 个群；运行中的网关将在数秒内执行。"
        )
