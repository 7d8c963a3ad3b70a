"""``qunguan import-members FILE --group ACCOUNT``: import a group's member list (群成员名单)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from qunguan.members.actions import MemberImportError, do_import_members
from qunguan.members.formats import FORMATS
from qunguan.members.management import find_group
from qunguan.registry.errors import RegistryError
from qunguan.registry.management.importing import command_actor
from qunguan.registry.models import Platform


class _DryRun(Exception):
    """Raised inside the import's transaction to roll it back after a dry run."""


class Command(BaseCommand):
    help = (
        "导入群成员名单，按群名片规范与花名册逐人实名核验，并据此更新登记的现有人数。"
        "支持 OneBot get_group_member_list 返回结果、企业微信 groupchat/get 返回结果、chatlog 群聊成员 JSON，"
        "以及 CSV/XLSX 成员表（列：QQ号或微信号（必填）、群名片、昵称、角色、入群时间）。"
        "任何一条记录有错误时不导入任何数据，并逐条列出错误。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", metavar="FILE", help="成员名单文件（JSON、CSV 或 XLSX）")
        parser.add_argument("--group", required=True, metavar="ACCOUNT", help="群号/账号（须已登记）")
        parser.add_argument(
            "--platform", choices=[p.value for p in Platform], help="群号在多个平台登记过时指定平台"
        )
        parser.add_argument(
            "--format", dest="fmt", choices=sorted(FORMATS), help="文件格式；不指定时按内容自动识别"
        )
        parser.add_argument(
            "--as",
            dest="actor",
            metavar="USERNAME",
            help="以该账号的身份导入，只能导入其管理的单位的群；不指定时以系统身份导入",
        )
        parser.add_argument("--dry-run", action="store_true", help="只校验并显示核验结果，不写入任何数据")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = command_actor(options["actor"])
        group = find_group(options["group"], actor, options["platform"])
        try:
            with transaction.atomic():
                outcome = do_import_members(actor, group, options["file"], fmt=options["fmt"])
                if options["dry_run"]:
                    self.stdout.write(outcome.summary())
                    raise _DryRun
        except _DryRun:
            self.stdout.write("试运行（--dry-run）：未写入任何数据。")
            return
        except FileNotFoundError:
            raise CommandError(f"找不到文件：{options['file']}") from None
        except IsADirectoryError:
            raise CommandError(f"{options['file']} 是一个目录，请指定成员名单文件。") from None
        except OSError as exc:
            raise CommandError(f"无法读取文件 {options['file']}：{exc.strerror or exc}") from None
        except MemberImportError as exc:
            # one line per problem, FILE:LINE: 字段: 原因, so that editors can jump to the line
            for line in exc.problems:
                self.stderr.write(line)
            raise CommandError(exc.message) from None
        except RegistryError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(outcome.summary())
