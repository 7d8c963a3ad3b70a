"""Benchmark the two import-benchmark readers alone: read, and read + fingerprint, per message.

    python scripts/bench_readers.py [--n 100000] [--repeat 3] [--unique-texts] [--src DIR] [--files DIR]

Writes the QQ PC .txt export and the MemoTrace CSV of ``scripts/bench_import.py`` (``--n``
messages each, the same seed), then reads each file ``--repeat`` times and prints the best CPU
time (``time.process_time``) per message for reading, and for fingerprinting the records read
(``ChatRecord.fingerprint()`` with no second given; and, as the SQLite import does it, the UTC
text of the time converted there and passed in). No database, no audit. ``--src`` puts another checkout's
``qunguan`` package first on the path, to compare an older version in the same run; ``--files``
keeps the generated exports for the next run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _best(repeat: int, run: Callable[[], int]) -> tuple[float, int]:
    best, count = float("inf"), 0
    for _ in range(repeat):
        t0 = time.process_time()
        count = run()
        best = min(best, time.process_time() - t0)
    return best, count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="messages per file (default 100,000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure; the best counts (default 3)")
    parser.add_argument("--seed", type=int, default=20240902)
    parser.add_argument("--unique-texts", action="store_true", help="append a counter to every text")
    parser.add_argument("--src", type=Path, help="a directory holding another version's qunguan package")
    parser.add_argument(
        "--files", type=Path, help="write the exports here, or read them if they are there already"
    )
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT / "scripts"))
    import bench_import  # puts this checkout first on the path

    if args.src:
        sys.path.insert(0, str(args.src.resolve()))
    from qunguan.ingest import ChatRecord
    from qunguan.ingest.formats import get

    work = args.files or Path(tempfile.mkdtemp(prefix="qunguan-bench-readers-"))
    work.mkdir(parents=True, exist_ok=True)
    tag = f"{args.n}-{args.seed}{'-unique' if args.unique_texts else ''}"
    files = [
        ("qq_pc_txt", work / f"qq_export-{tag}.txt", bench_import.write_qq_txt),
        ("memotrace_csv", work / f"memotrace-{tag}.csv", bench_import.write_memotrace_csv),
    ]
    for _, path, writer in files:
        if not path.exists():
            writer(path, args.n, args.seed, args.unique_texts)

    import qunguan.ingest.records as records_module

    print(f"readers from : {Path(records_module.__file__).parent.parent.parent}")
    utc = dt.UTC
    for name, path, _ in files:
        reader = get(name)

        def read_only(reader: type = reader, path: Path = path) -> int:
            count = 0
            with path.open("rb") as fh:
                for item in reader().read(fh):
                    count += isinstance(item, ChatRecord)
            return count

        with path.open("rb") as fh:
            records = [item for item in reader().read(fh) if isinstance(item, ChatRecord)]

        def fingerprint(records: list[ChatRecord] = records) -> int:
            for record in records:
                record.fingerprint()
            return len(records)

        def fingerprint_utc(records: list[ChatRecord] = records) -> int:
            for record in records:
                # What the SQLite import does: the stored UTC text gives the second.
                at = record.sent_at.astimezone(utc).replace(tzinfo=None).isoformat(" ")
                record.fingerprint(f"{at[:10]}T{at[11:19]}")
            return len(records)

        read_s, count = _best(args.repeat, read_only)
        print_s, _ = _best(args.repeat, fingerprint)
        utc_s, _ = _best(args.repeat, fingerprint_utc)
        per = 1e6 / max(count, 1)
        print(
            f"{name:<14}: {count:,} messages; read {read_s * per:5.2f} µs/msg, fingerprint {print_s * per:4.2f} µs/msg, "
            f"together {(read_s + print_s) * per:5.2f} µs/msg; the import's UTC second and fingerprint "
            f"{utc_s * per:4.2f} µs/msg (CPU, best of {args.repeat})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
