"""Server time of the hot pages, one request at a time in one process (no network, no queueing).

    QUNGUAN_DATA_DIR=var/scale-d .venv/bin/python scripts/bench_pages.py
    QUNGUAN_DATA_DIR=var/scale10m .venv/bin/python scripts/bench_pages.py --repeat 7 --queries

Logs in (``Client.force_login``) as the supervisor (党委宣传部) and the college liaison that
``scripts/gen_scale.py`` creates, requests each page of ``scripts/bench_web.py`` once to warm
up, then ``--repeat`` times and prints, per role and page, the best CPU time of the process
(``time.process_time``: what a request costs a core, whatever else runs on the machine), the
best wall time, the number of SQL queries and the page's size. With ``--queries`` it also lists
the slowest queries of one request per page. Against PostgreSQL the database's own time is
outside the CPU figure (it runs in another process) and inside the wall figure.

The shared check result (``web/breaches.py``) is computed once before measuring, as the
scheduler's ``checks_cache`` job keeps it fresh in production.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qunguan.settings")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="热点页面单次请求的服务器耗时（CPU / 墙钟，取最优）")
    parser.add_argument("--repeat", type=int, default=5, help="每页重复次数（取最优）")
    parser.add_argument("--supervisor", default="scale-supervisor")
    parser.add_argument("--liaison", default="scale-liaison")
    parser.add_argument("--page", action="append", default=[], help="只测名称含此文字的页面（可重复）")
    parser.add_argument("--queries", action="store_true", help="列出每页最慢的 SQL")
    args = parser.parse_args(argv)

    import django

    django.setup()
    from bench_web import PAGES
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    if "testserver" not in settings.ALLOWED_HOSTS and "*" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    users = get_user_model().objects
    roles = [("宣传部", users.get(username=args.supervisor)), ("联络人", users.get(username=args.liaison))]
    pages = [(n, p) for n, p in PAGES if not args.page or any(s in n for s in args.page)]

    from qunguan.web import breaches

    started = time.perf_counter()
    from django.utils import timezone

    breaches.refresh_school_breaches(timezone.localdate())
    print(
        f"检查结果已计算（{time.perf_counter() - started:.1f} 秒）；数据库 {connection.settings_dict['NAME']}"
    )

    print(f"{'角色':<6}{'页面':<16}{'CPU ms':>9}{'墙钟 ms':>9}{'SQL':>6}{'KB':>7}")
    total_cpu = 0.0
    for role, user in roles:
        client = Client()
        client.force_login(user)
        for name, path in pages:
            r = client.get(path)
            if r.status_code != 200:
                print(f"{role} {name} {path}: HTTP {r.status_code}")
                return 1
            best_cpu = best_wall = float("inf")
            for _ in range(args.repeat):
                c0, w0 = time.process_time(), time.perf_counter()
                r = client.get(path)
                best_cpu = min(best_cpu, time.process_time() - c0)
                best_wall = min(best_wall, time.perf_counter() - w0)
            with CaptureQueriesContext(connection) as ctx:
                client.get(path)
            total_cpu += best_cpu
            print(
                f"{role:<6}{name:<16}{best_cpu * 1000:>9.1f}{best_wall * 1000:>9.1f}"
                f"{len(ctx.captured_queries):>6}{len(r.content) / 1024:>7.0f}",
                flush=True,
            )
            if args.queries:
                slow = sorted(ctx.captured_queries, key=lambda q: -float(q["time"]))[:5]
                for q in slow:
                    print(f"        {float(q['time']) * 1000:7.1f} ms  {q['sql'][:300]}")
            reset_queries()
    print(
        f"合计 CPU {total_cpu * 1000:.0f} ms（{len(roles) * len(pages)} 个页面，每页取 {args.repeat} 次中最优）"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
