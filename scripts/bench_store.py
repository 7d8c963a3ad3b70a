"""Benchmark the import's write path alone: de-duplicate, bind, store (no reading, no audit).

    python scripts/bench_store.py [--n 100000] [--repeat 3] [--database-url URL]
                                  [--against REV] [--digest]

Generates the QQ PC .txt export and the MemoTrace CSV of ``scripts/bench_import.py`` (``--n``
messages each), reads both into memory once, then stores the records batch by batch exactly as
``do_import_chat_file`` does (``_store`` per ``batch_size()`` records, inside ``import_session``)
with the audit step switched off, into an emptied message table each time. It prints the CPU
time per message (``time.process_time``, best of ``--repeat``), which holds up on a busy machine.

``--against REV`` also loads ``qunguan/chats/actions.py`` and ``bulk.py`` as they were at the git
revision REV and times them in the same run, alternating with the current code, so that both
figures see the same machine. ``--digest`` prints a SHA-256 over every stored message row (every
column but the batch id, in id order): the current code must store exactly what REV stored.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import os
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))


def _load_revision(rev: str) -> types.ModuleType:
    """Return ``qunguan.chats.actions`` of git revision ``rev``, bound to that revision's ``bulk``."""

    def source(path: str) -> str:
        return subprocess.run(
            ["git", "show", f"{rev}:{path}"],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout

    old_bulk = types.ModuleType("qunguan.chats._bulk_before")
    sys.modules[old_bulk.__name__] = old_bulk
    exec(compile(source("qunguan/chats/bulk.py"), "bulk.py@" + rev, "exec"), old_bulk.__dict__)  # noqa: S102
    old_actions = types.ModuleType("qunguan.chats._actions_before")
    sys.modules[old_actions.__name__] = old_actions
    exec(compile(source("qunguan/chats/actions.py"), "actions.py@" + rev, "exec"), old_actions.__dict__)  # noqa: S102
    old_actions.bulk = old_bulk  # type: ignore[attr-defined]
    return old_actions


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="messages per file (default 100,000)")
    parser.add_argument("--seed", type=int, default=20240902)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each code; the best counts")
    parser.add_argument("--database-url", help="database to store into (default: a fresh SQLite file)")
    parser.add_argument("--against", metavar="REV", help="also time the write path of this git revision")
    parser.add_argument(
        "--against-group-index",
        action="store_true",
        help="time REV with the index on group_id alone that migration 0008 dropped (REV's schema)",
    )
    parser.add_argument("--unique-texts", action="store_true", help="append a counter to every text")
    parser.add_argument(
        "--batch-sizes",
        help="also time the current code with these messages per transaction (e.g. 5000,10000)",
    )
    parser.add_argument(
        "--cache-sizes", help="also time the current code with these import page caches in MB (e.g. 128,256)"
    )
    parser.add_argument(
        "--pragmas",
        help="also time the current code with these extra import PRAGMAs (e.g. mmap_size=268435456)",
    )
    parser.add_argument(
        "--with-group-index",
        action="store_true",
        help="also time the current code with the index on group_id alone that migration 0008 dropped",
    )
    parser.add_argument("--profile", action="store_true", help="profile one more run of the current code")
    parser.add_argument("--digest", action="store_true", help="print a SHA-256 of all stored message rows")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="qunguan-bench-store-"))
    os.environ["QUNGUAN_DATA_DIR"] = str(work / "data")
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qunguan.settings")
    import django

    django.setup()
    from bench_import import QQ_GROUP, WECHAT_GROUP, write_memotrace_csv, write_qq_txt
    from django.core.management import call_command
    from django.db import connection

    from qunguan.chats import actions as current
    from qunguan.ingest import Reject
    from qunguan.ingest import formats as chat_formats
    from qunguan.registry import actions as registry

    call_command("migrate", verbosity=0)
    school = registry.do_create_unit(None, name="基准测试学院", kind="college", headcount=5000)
    qq = registry.do_register_group(
        None, platform="qq", account=QQ_GROUP, name="基准测试工作群", unit=school, member_count=120
    )
    wechat = registry.do_register_group(
        None, platform="wechat", account=WECHAT_GROUP, name="基准测试微信群", unit=school, member_count=120
    )
    inputs = []
    for name, writer, group in (
        ("qq_export.txt", write_qq_txt, qq),
        ("memotrace.csv", write_memotrace_csv, wechat),
    ):
        path = work / name
        writer(path, args.n, args.seed, args.unique_texts)
        reader = chat_formats.detect(path)
        with path.open("rb") as fh:
            records = [item for item in reader().read(fh) if not isinstance(item, Reject)]
        inputs.append((path, reader.name, group, records))
    total = sum(len(records) for *_, records in inputs)
    # The records held here for the runs would make every full garbage collection walk them, a
    # cost a streaming import (a batch at a time) does not have: keep them out of its way.
    gc.collect()
    gc.freeze()

    variants: list[tuple[str, Any]] = [("current", current)]
    if args.against:
        before = _load_revision(args.against)
        before.group_index = args.against_group_index  # type: ignore[attr-defined]
        variants.insert(0, (f"at {args.against}", before))
    for _, module in variants:
        module._audit = lambda new, messages: ([], [])
    for size in (args.batch_sizes or "").split(","):
        if size.strip():
            variants.append(
                (
                    f"batches {int(size)}",
                    types.SimpleNamespace(
                        ImportSummary=current.ImportSummary,
                        _GroupBinder=current._GroupBinder,
                        _Rejects=current._Rejects,
                        _store=current._store,
                        BATCH_SIZE=int(size),
                    ),
                )
            )

    if args.with_group_index:
        variants.append(
            (
                "+ group index",
                types.SimpleNamespace(
                    ImportSummary=current.ImportSummary,
                    _GroupBinder=current._GroupBinder,
                    _Rejects=current._Rejects,
                    _store=current._store,
                    BATCH_SIZE=current.batch_size(),
                    group_index=True,
                ),
            )
        )

    for size in (args.cache_sizes or "").split(","):
        if size.strip():
            variants.append(
                (
                    f"cache {int(size)} MB",
                    types.SimpleNamespace(
                        ImportSummary=current.ImportSummary,
                        _GroupBinder=current._GroupBinder,
                        _Rejects=current._Rejects,
                        _store=current._store,
                        BATCH_SIZE=current.batch_size(),
                        cache_kib=int(size) * 1024,
                    ),
                )
            )

    if args.pragmas:
        variants.append(
            (
                args.pragmas,
                types.SimpleNamespace(
                    ImportSummary=current.ImportSummary,
                    _GroupBinder=current._GroupBinder,
                    _Rejects=current._Rejects,
                    _store=current._store,
                    BATCH_SIZE=current.batch_size(),
                    pragmas={k: int(v) for k, v in (item.split("=") for item in args.pragmas.split(","))},
                ),
            )
        )

    def empty() -> None:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM chats_finding")
            cursor.execute("DELETE FROM chats_chatmessage")
            if connection.vendor == "sqlite":
                cursor.execute("DELETE FROM sqlite_sequence WHERE name = 'chats_chatmessage'")
                cursor.execute("UPDATE chats_message_fts_state SET last_id = 0")
            else:
                cursor.execute("ALTER SEQUENCE chats_chatmessage_id_seq RESTART WITH 1")

    def run(module: Any) -> tuple[float, float, float, tuple[int, int, int]]:
        from qunguan.chats import bulk
        from qunguan.chats.models import ImportBatch

        empty()
        index = getattr(module, "group_index", False)
        pragmas = dict(bulk.IMPORT_PRAGMAS)
        bulk.IMPORT_PRAGMAS.update(getattr(module, "pragmas", {}))
        if getattr(module, "cache_kib", None):
            bulk.IMPORT_PRAGMAS["cache_size"] = -module.cache_kib
        if index:
            with connection.cursor() as cursor:
                cursor.execute("CREATE INDEX bench_store_group_id ON chats_chatmessage (group_id)")
        cpu = wall = system = 0.0
        counts = [0, 0, 0]
        for path, fmt, group, records in inputs:
            batch = ImportBatch.objects.create(file_name=path.name, format=fmt, group=group)
            summary = module.ImportSummary(batch)
            binder = module._GroupBinder(None, group)
            rejects = module._Rejects(batch)
            size = getattr(module, "BATCH_SIZE", None) or current.batch_size()
            t0 = os.times()
            w0, c0 = time.perf_counter(), time.process_time()
            with bulk.import_session(connection):
                for at in range(0, len(records), size):
                    batch.read += len(records[at : at + size])
                    module._store(batch, records[at : at + size], binder, rejects, summary)
            cpu += time.process_time() - c0
            wall += time.perf_counter() - w0
            t1 = os.times()
            system += t1.system - t0.system
            counts[0] += batch.stored
            counts[1] += batch.duplicates
            counts[2] += batch.rejected
        bulk.IMPORT_PRAGMAS.clear()
        bulk.IMPORT_PRAGMAS.update(pragmas)
        if index:
            with connection.cursor() as cursor:
                cursor.execute("DROP INDEX bench_store_group_id")
        return cpu, wall, system, (counts[0], counts[1], counts[2])

    print(f"database     : {connection.vendor}; {total:,} records in memory ({args.n:,} per file)")
    best: dict[str, tuple[float, float]] = {}
    digests: dict[str, str] = {}
    for rep in range(args.repeat):
        for label, module in variants:
            cpu, wall, system, counts = run(module)
            print(
                f"run {rep + 1} {label:<14}: {cpu * 1e6 / total:6.2f} µs/msg CPU "
                f"(of which system {system * 1e6 / total:5.2f}), {wall * 1e6 / total:6.2f} µs/msg wall"
                f"  (stored {counts[0]:,}, duplicates {counts[1]:,}, refused {counts[2]:,})"
            )
            if label not in best or cpu < best[label][0]:
                best[label] = (cpu, wall)
            if args.digest and rep == 0:
                digests[label] = messages_digest()
    for label, (cpu, wall) in best.items():
        print(
            f"best {label:<14}: {cpu * 1e6 / total:6.2f} µs/msg CPU ({total / cpu:,.0f} msg/s), "
            f"{wall * 1e6 / total:6.2f} µs/msg wall"
        )
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile(time.process_time)
        profiler.runcall(run, current)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    c0 = time.process_time()
    for *_, records in inputs:
        for record in records:
            record.fingerprint()
    print(
        f"fingerprints : {(time.process_time() - c0) * 1e6 / total:6.2f} µs/msg CPU (ChatRecord.fingerprint alone)"
    )
    for label, digest in digests.items():
        print(f"digest {label:<12}: {digest}")
    return 0


def messages_digest() -> str:
    """Return a SHA-256 over every stored message row (all columns but ``batch_id``), in id order."""
    from django.db import connection

    from qunguan.chats.models import ChatMessage

    fields = [f.column for f in ChatMessage._meta.concrete_fields if f.column != "batch_id"]
    digest = hashlib.sha256()
    count = 0
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(fields)} FROM chats_chatmessage ORDER BY id")  # noqa: S608
        for row in cursor.fetchall():
            digest.update(repr(row).encode("utf-8", "surrogatepass"))
            digest.update(b"\n")
            count += 1
    return f"{digest.hexdigest()} ({count:,} messages)"


if __name__ == "__main__":
    raise SystemExit(main())
