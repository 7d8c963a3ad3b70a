"""``qunguan import FILE…``: import chat exports, audit them on the way, report what happened."""

from __future__ import annotations

import errno
import json
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, connection
from tqdm import tqdm

from qunguan.chats.actions import ImportSummary, do_close_interrupted_imports, do_import_chat_file
from qunguan.ingest.formats import FORMATS, FormatError
from qunguan.registry.errors import RegistryError
from qunguan.registry.management.importing import command_actor
from qunguan.registry.models import Group

# Exit codes a script can act on (documented in --help).
EXIT_REJECTS = 3
READ_ONLY_ERRNOS = frozenset({errno.EROFS, errno.EACCES, errno.EPERM})
DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EFBIG, errno.EDQUOT})


class Command(BaseCommand):
    help = (
        "导入聊天记录：QQ 电脑版导出、QQ Chat Exporter、OneBot 日志、留痕（MemoTrace）、chatlog、"
        "企业微信会话存档及通用 CSV/JSONL。自动识别格式，边导入边审查；同一条消息只存一次，可重复导入。"
        f"退出码：0 全部导入；{EXIT_REJECTS} 有无法读取的行（已记入 rejects 文件，其余已导入）；1 失败。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE", help="要导入的文件")
        parser.add_argument("--format", choices=sorted(FORMATS), help="指定格式（默认自动识别）")
        parser.add_argument(
            "--group",
            metavar="群号",
            help="文件中没有群号时（如 QQ 电脑版导出），把记录归入这个已登记的群（群号或账号）",
        )
        parser.add_argument(
            "--as", dest="actor", metavar="USERNAME", help="以该账号的身份导入（限其管理范围）"
        )
        parser.add_argument("--json", action="store_true", help="每个文件输出一行 JSON 摘要，不显示进度条")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = command_actor(options["actor"])
        group = self._group(options["group"])
        paths = [Path(f) for f in options["files"]]
        for path in paths:
            if not path.is_file():
                raise CommandError(f"找不到文件：{path}")
        any_rejects = False
        for path in paths:
            try:
                # A batch still marked running whose import is gone (kill -9, power loss) is
                # closed first; imports running elsewhere, on this host or another, are left be.
                do_close_interrupted_imports(actor)
                summary = self._import(actor, path, options["format"], group, quiet=options["json"])
            except (FormatError, RegistryError) as exc:
                raise CommandError(f"{path}: {getattr(exc, 'message', exc)}") from None
            except (DatabaseError, OSError) as exc:
                raise CommandError(f"{path}: {_storage_error(exc)}") from None
            any_rejects = any_rejects or summary.batch.rejected > 0
            if options["json"]:
                self.stdout.write(json.dumps(summary.as_dict(), ensure_ascii=False))
            else:
                self._report(summary)
        if any_rejects:
            sys.exit(EXIT_REJECTS)

    def _group(self, account: str | None) -> Group | None:
        if account is None:
            return None
        matches = list(Group.objects.filter(account=account)[:2])
        if len(matches) != 1:
            raise CommandError(
                f"没有群号为 {account} 的已登记群组。" if not matches else f"群号 {account} 不唯一。"
            )
        return matches[0]

    def _import(
        self, actor: Any, path: Path, fmt: str | None, group: Group | None, *, quiet: bool
    ) -> ImportSummary:
        bar = tqdm(
            total=path.stat().st_size,
            unit="B",
            unit_scale=True,
            desc=path.name[:30],
            disable=quiet or not sys.stderr.isatty(),
            file=sys.stderr,
        )
        done = 0

        def progress(position: int, messages: int) -> None:
            nonlocal done
            bar.update(max(0, position - done))
            done = max(done, position)
            bar.set_postfix_str(f"{messages:,} 条")

        try:
            return do_import_chat_file(actor, path, format_name=fmt, group=group, progress=progress)
        finally:
            bar.close()

    def _report(self, summary: ImportSummary) -> None:
        b = summary.batch
        self.stdout.write(
            f"{b.file_name}（{FORMATS[b.format].label}）：读取 {b.read} 条，新存入 {b.stored} 条，"
            f"重复跳过 {b.duplicates} 条，无法读取 {b.rejected} 处，审查发现 {b.findings} 处。"
        )
        if b.rejected:
            self.stdout.write(self.style.WARNING(f"  无法读取的行已记入：{b.rejects_file}"))
        for (platform, name), n in sorted(summary.unregistered.items()):
            self.stdout.write(
                self.style.WARNING(f"  未登记的群组：{platform} {name}（{n} 条消息）——请先登记该群")
            )


def _storage_error(exc: DatabaseError | OSError) -> str:
    """Return one Chinese sentence saying why the database or data directory refused the import."""
    text = str(exc).lower()
    code = getattr(exc, "errno", None)
    where = connection.settings_dict.get("NAME") or settings.DATA_DIR
    postgres = connection.vendor == "postgresql"
    if code in READ_ONLY_ERRNOS or any(words in text for words in ("readonly", "read-only", "read only")):
        if postgres:
            return f"数据库只读，无法导入（{where}）。请让数据库管理员解除只读状态后重新导入。"
        return f"数据库只读，无法导入（{where}）。请检查数据库文件及所在目录的写权限后重新导入。"
    if "permission denied" in text or "insufficientprivilege" in type(exc).__name__.lower():
        return (
            f"数据库账号没有写入权限，无法导入（{where}）。"
            "请让数据库管理员为 qunguan 使用的账号授予读写权限后重新导入。"
        )
    if code in DISK_FULL_ERRNOS or "disk is full" in text or "no space left" in text:
        return f"磁盘空间不足，导入已中止（{where}）。已存入的消息保留，腾出空间后重新导入同一文件即可继续。"
    if "disk i/o error" in text or code == errno.EIO:
        return (
            f"写入磁盘失败（磁盘已满、超出文件大小限制或磁盘故障），导入已中止（{where}）。"
            "已存入的消息保留，排除问题后重新导入同一文件即可继续。"
        )
    return f"数据库出错，导入已中止：{type(exc).__name__}: {exc}".replace("\n", " ")
