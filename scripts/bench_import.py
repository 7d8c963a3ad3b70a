"""Benchmark chat imports end to end: read, de-duplicate, store and audit, into a fresh database.

    python scripts/bench_import.py [--n 1000000] [--database-url URL] [--keep DIR]
                                   [--unique-texts] [--digest]

Generates a QQ PC .txt export and a MemoTrace CSV of ``--n`` messages each (the benchmark
corpus of ``qunguan.audit.corpus``: notices, replies, chit-chat, a few percent with personal
data), then imports both with ``do_import_chat_file`` into an empty database — SQLite in a
temporary data directory unless ``--database-url`` names another (e.g. PostgreSQL) — and prints
messages/s, MB/s and the peak memory of the process.

The corpus repeats its texts (short replies such as 收到 and 好的 most of all), and the audit
engine remembers the findings of a short text it has seen; ``--unique-texts`` appends a counter
to every message (`` #1234``) so that no two texts are alike and that cache never hits: the
figure for a stream of distinct messages. The run prints how often the engine's result cache
hit. ``--digest`` prints a SHA-256 over every stored finding (message fingerprint, category,
rule, start, end, severity, evidence, score to three places, explanation) in a stable order:
a change that should only make the import faster must leave it as it was. ``--one-by-one``
switches off the scoring of each batch at once (``Auditor.prepare``): every message is then
normalised and scored by the models as it is scanned, as before batch scoring — the same
findings (compare the digests), for a before/after figure from one checkout.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QQ_GROUP = "800100200"
WECHAT_GROUP = "34567890123@chatroom"


def senders(n: int, rng: random.Random) -> list[tuple[str, str]]:
    family = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
    given = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰"
    return [(f"{10001000 + i}", rng.choice(family) + rng.choice(given) + rng.choice(given)) for i in range(n)]


def texts(n: int, seed: int, unique: bool) -> Iterator[str]:
    """Yield the ``n`` corpus messages; with ``unique``, each with its own counter appended."""
    from qunguan.audit.corpus import generate

    if not unique:
        yield from generate(n, seed=seed)
        return
    for i, text in enumerate(generate(n, seed=seed), start=1):
        yield f"{text} #{i}"


def write_qq_txt(path: Path, n: int, seed: int, unique: bool = False) -> None:
    rng = random.Random(seed)
    people = senders(200, rng)
    when = dt.datetime(
        2024, 9, 2, 8, 0, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))
    )  # local time as the export writes it
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        fh.write("消息记录（此消息记录为文本格式，不支持重新导入）\r\n\r\n")
        fh.write("=" * 64 + "\r\n消息分组:我的QQ群\r\n" + "=" * 64 + "\r\n")
        fh.write("消息对象:基准测试工作群\r\n" + "=" * 64 + "\r\n\r\n")
        for text in texts(n, seed, unique):
            when += dt.timedelta(seconds=rng.randrange(1, 40))
            uid, name = rng.choice(people)
            fh.write(f"{when:%Y-%m-%d} {when.hour}:{when:%M:%S} {name}({uid})\r\n{text}\r\n\r\n")


def write_memotrace_csv(path: Path, n: int, seed: int, unique: bool = False) -> None:
    rng = random.Random(seed)
    people = [(f"wxid_{uid}", name) for uid, name in senders(200, rng)]
    when = dt.datetime(2024, 9, 2, 8, 0, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    header = (
        "localId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime,Remark,NickName,Sender"
    )
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(header.split(","))
        for i, text in enumerate(texts(n, seed, unique), start=1):
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
    parser.add_argument(
        "--unique-texts", action="store_true", help="append a counter to every text: no text repeats"
    )
    parser.add_argument(
        "--digest", action="store_true", help="print a SHA-256 of all stored findings (after the timed run)"
    )
    parser.add_argument(
        "--one-by-one",
        action="store_true",
        help="scan without preparing each batch (Auditor.prepare off): the figure before batch scoring",
    )
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
        writer(path, args.n, args.seed, args.unique_texts)
    engine = auditor()  # lexicons and models load once, before the clock starts
    if args.one_by_one:
        engine.prepare = lambda items: None  # type: ignore[method-assign]
    else:
        from qunguan.audit.detectors.classifier import shipped_table

        shipped_table().sums_many(["预热"])  # the packed table is made once, before the clock too
    audit_time = _time_audit()
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
    print(
        f"audit        : {audit_time[0]:.1f} s CPU, {audit_time[0] * 1e6 / max(total_messages, 1):.1f} µs/message"
    )
    stats = getattr(engine, "cache_stats", None)
    if stats is not None:
        hits, scans = stats()
        print(
            f"audit cache  : {hits:,} of {scans:,} scans answered from the cache ({hits / max(scans, 1):.1%})"
        )
    if args.digest:
        print(f"digest       : {findings_digest()}")
    if args.keep is None:
        connection.close()
        shutil.rmtree(work, ignore_errors=True)  # (the files and the database: hundreds of MB at 1M)
    return 0


def _time_audit() -> list[float]:
    """Wrap the import's audit step (``qunguan.chats.actions._audit``, once per batch) with a
    clock; return the list whose one item sums its seconds (CPU time of the process: the
    import runs on one thread, and CPU time holds up on a busy machine)."""
    from qunguan.chats import actions as chat_actions

    spent = [0.0]
    inner = chat_actions._audit

    def timed(*args: Any, **kwargs: Any) -> Any:
        t0 = time.process_time()
        try:
            return inner(*args, **kwargs)
        finally:
            spent[0] += time.process_time() - t0

    chat_actions._audit = timed  # type: ignore[assignment]
    return spent


def findings_digest() -> str:
    """Return a SHA-256 over every stored finding, in an order that does not depend on ids."""
    from qunguan.chats.models import Finding

    rows = Finding.objects.values_list(
        "message__fingerprint",
        "category",
        "rule",
        "start",
        "end",
        "severity",
        "evidence",
        "score",
        "explanation",
    )
    lines = sorted(
        repr((fp, cat, rule, start, end, int(sev), evidence, round(score, 3), explanation))
        for fp, cat, rule, start, end, sev, evidence, score, explanation in rows.iterator(chunk_size=5000)
    )
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line.encode("utf-8", "surrogatepass"))
        digest.update(b"\n")
    return f"{digest.hexdigest()} ({len(lines):,} findings)"


if __name__ == "__main__":
    raise SystemExit(main())
