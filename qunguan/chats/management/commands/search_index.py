"""``qunguan search-index``: add newly stored messages to the message search index (消息检索).

On SQLite, imports do not index as they store (that would halve their speed); this command,
the search page and the scheduler catch up. Idempotent: running it twice indexes nothing twice.
On PostgreSQL the trigram index follows every insert and the command has nothing to do.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from qunguan.chats import search

CHUNK = 50_000


class Command(BaseCommand):
    help = "把新导入的聊天消息加入消息检索索引（SQLite；可重复运行，PostgreSQL 无需运行）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=None, help="本次最多索引多少条（默认全部）")

    def handle(self, *args: Any, **options: Any) -> None:
        limit: int | None = options["limit"]
        total = 0
        while limit is None or total < limit:
            step = CHUNK if limit is None else min(CHUNK, limit - total)
            done = search.catch_up(step)
            total += done
            if done < step:
                break
        self.stdout.write(f"已索引 {total} 条新消息。")
