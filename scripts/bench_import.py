"""Benchmark chat imports end to end: read, de-duplicate, store and audit, into a fresh database.

    python scripts/bench_import.py [--n 1000000] [--database-url URL] [--keep DIR]

Generates a QQ PC .txt export and a MemoTrace CSV of ``--n`` messages each (the benchmark
corpus of ``qunguan.audit.corpus``: notices, replies, chit-chat, a few percent with personal
data), then imports both with ``do_import_chat_file`` into an empty database — SQLite in a
temporary data directory unless ``--database-url`` names another (e.g. PostgreSQL) — and prints
messages/s, MB/s and the peak memory of the process.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QQ_GROUP = "800100200"
WECHAT_GROUP = "34567890123@chatroom"


def senders(n: int, rng: random.Random) -> list[tuple[str, str]]:
    family = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
    given = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰"
    return [(f"{10001000 + i}", rng.choice(family) + rng.choice(given) + rng.choice(given)) for i in range(n)]


def write_qq_txt(path: Path, n: int, seed: int) -> None:
    from qunguan.audit.corpus import generate

    rng = random.Random(seed)
    people = senders(200, rng)
    when = dt.datetime(
        2024, 9, 2, 8, 0, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))
    )  # local time as the export writes it
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        fh.write("消息记录（此消息记录为文本格式，不支持重新导入）\r\n\r\n")
        fh.write("=" * 64 + "\r\n消息分组:我的QQ群\r\n" + "=" * 64 + "\r\n")
        fh.write("消息对象:基准测试工作群\r\n" + "=" * 64 + "\r\n\r\n")
        for text in generate(n, seed=seed):
            when += dt.timedelta(seconds=rng.randrange(1, 40))
            uid, name = rng.choice(people)
            fh.write(f"{when:%Y-%m-%d} {when.hour}:{when:%M:%S} {name}({uid})\r\n{text}\r\n\r\n")


def write_memotrace_csv(path: Path, n: int, seed: int) -> None:
    from qunguan.audit.corpus import generate

    rng = random.Random(seed)
    people = [(f"wxid_{uid}", name) for uid, name in senders(200, rng)]
    when = dt.datetime(2024, 9, 2, 8, 0, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    header = (
        "localId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime,Remark,NickName,Sender"
    )
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(header.split(","))
        for i, text in enumerate(generate(n, seed=seed), start=1):
            when += dt.timedelta(seconds=rng.randrange(1, 40))
            wxid, name = rng.choice(people)
            out.writerow(
                [i, 7, 1, 0, 0, int(when.timestamp()), "", text, f"{when:%Y-%m-%d %H:%M:%S}", "", name, wxid]
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="messages per file (default 1,000,000)")
    parser.add_argument("--seed", type=int, default=20240902)
    parser.add_argument("--database-url", help="database to import into (default: a fresh SQLite file)")
    parser.add_argument("--keep", type=Path, help="keep the data directory here instead of a temporary one")
    args = parser.parse_args(argv)

    work = args.keep or Path(tempfile.mkdtemp(prefix="qunguan-bench-import-"))
    work.mkdir(parents=True, exist_ok=True)
    os.environ["QUNGUAN_DATA_DIR"] = str(work / "data")
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qunguan.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from qunguan.chats.actions import auditor, do_import_chat_file
    from qunguan.registry import actions

    call_command("migrate", verbosity=0)
    school = actions.do_create_unit(None, name="基准测试学院", kind="college", headcount=5000)
    qq = actions.do_register_group(
        None, platform="qq", account=QQ_GROUP, name="基准测试工作群", unit=school, member_count=120
    )
    wechat = actions.do_register_group(
        None, platform="wechat", account=WECHAT_GROUP, name="基准测试微信群", unit=school, member_count=120
    )
    files = [
        (work / "qq_export.txt", write_qq_txt, qq),
        (work / "memotrace.csv", write_memotrace_csv, wechat),
    ]
    for path, writer, _ in files:
        writer(path, args.n, args.seed)
    auditor()  # lexicons and models load once, before the clock starts
    print(f"database     : {connection.vendor} ({connection.settings_dict['NAME']})")
    total_messages = 0
    total_cpu = total_wall = 0.0
    for path, _, group in files:
        size_mb = path.stat().st_size / 1e6
        w0, c0 = time.perf_counter(), time.process_time()
        summary = do_import_chat_file(None, path, group=group)
        wall, cpu = time.perf_counter() - w0, time.process_time() - c0
        b = summary.batch
        total_messages += b.read
        total_cpu += cpu
        total_wall += wall
        print(
            f"{b.format:<14}: {b.read:,} read, {b.stored:,} stored, {b.findings:,} findings, "
            f"{b.rejected} rejected; {size_mb:.1f} MB in {wall:.1f} s wall ({cpu:.1f} s CPU): "
            f"{b.read / wall:,.0f} msg/s, {size_mb / wall:.1f} MB/s"
        )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"overall      : {total_messages / total_wall:,.0f} msg/s wall, {total_messages / total_cpu:,.0f} msg/s CPU"
    )
    print(f"peak RSS     : {peak_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
