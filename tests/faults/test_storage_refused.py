"""A database that cannot be written: read-only, or on a disk that is full.

``qunguan import`` then stops with one clear Chinese line and a non-zero exit status, and the
database is not corrupted: ``PRAGMA integrity_check`` is ok, what was stored before is still
there, the audit log's chain holds, and once the disk has room the same import completes.

A full disk is made without root by the file-size limit (``RLIMIT_FSIZE``) of the importing
process: past it every write fails with EFBIG, as it fails with ENOSPC on a full filesystem.
A read-only database is a file the importing user may not write; the suite usually runs as
root, who may write anything, so the import then runs as the unprivileged user ``nobody``.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.faults.export import write_generic_csv
from tests.ops.conftest import ON_POSTGRES, Installation, copy_of

pytestmark = pytest.mark.skipif(ON_POSTGRES, reason="SQLite 数据库文件的只读与磁盘满")

EARLIER = 300  # messages imported before the fault
MESSAGES = 3000
BATCH = "1000"  # messages per transaction: the fault falls after some batches are stored
COUNT = "from qunguan.chats.models import ChatMessage\nprint(ChatMessage.objects.count())"
# The integrity check's verdict and the number of stored messages, one per line.
INTEGRITY = (
    "from django.db import connection\n"
    "with connection.cursor() as c:\n"
    "    print(c.execute('PRAGMA integrity_check').fetchone()[0])\n" + COUNT
)


@pytest.fixture
def site(_template: Installation) -> Iterator[Installation]:
    """An installation in a directory every user may enter (pytest's own is the owner's only)."""
    base = Path(tempfile.mkdtemp(prefix="qunguan-faults-"))
    base.chmod(0o755)
    try:
        with copy_of(_template, base / "data") as installation:
            yield installation
    finally:
        shutil.rmtree(base, ignore_errors=True)


def exports(site: Installation) -> tuple[Path, Path]:
    """An export already imported (the earlier data) and a larger one to import under the fault."""
    folder = site.data_dir.parent
    earlier = write_generic_csv(folder / "九月聊天记录.csv", EARLIER, seed=1)
    later = write_generic_csv(folder / "全年聊天记录.csv", MESSAGES, seed=2)
    result = site.qunguan("import", "--json", str(earlier))
    assert result.returncode == 0, result.stderr
    return earlier, later


def run_import(
    site: Installation, export: Path, preexec: Callable[[], None]
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "qunguan", "import", "--json", str(export)],
        env={**site.env(), "QUNGUAN_IMPORT_BATCH_MESSAGES": BATCH},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        preexec_fn=preexec,
    )


def assert_intact(site: Installation, at_least: int) -> int:
    """Assert the database is sound and holds at least ``at_least`` messages; return how many."""
    verdict, stored = site.python(INTEGRITY).split()
    assert verdict == "ok"
    assert int(stored) >= at_least
    verified = site.qunguan("verify-log")
    assert verified.returncode == 0, verified.stderr
    return int(stored)


def test_import_on_a_full_disk_stops_with_a_clear_error_and_leaves_the_database_intact(site):
    _, later = exports(site)
    database = site.data_dir / "qunguan.sqlite3"
    room = sum(p.stat().st_size for p in site.data_dir.glob("qunguan.sqlite3*")) + 64 * 1024

    def full_disk() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a failed write, not a killed process
        resource.setrlimit(resource.RLIMIT_FSIZE, (room, room))

    result = run_import(site, later, full_disk)

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"CommandError: {later}: 写入磁盘失败（磁盘已满、超出文件大小限制或磁盘故障），导入已中止（{database}）。"
        "已存入的消息保留，排除问题后重新导入同一文件即可继续。"
    ]
    assert_intact(site, EARLIER)

    # Room again: the same import goes on and completes.
    again = site.qunguan("import", "--json", str(later))
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["state"] == "done"
    assert int(site.python(COUNT)) == MESSAGES


def read_only(path: Path) -> None:
    """Make ``path`` a file its owner cannot write; root writes through modes, not immutable files."""
    path.chmod(0o444)
    if os.geteuid() == 0 and subprocess.run(["chattr", "+i", str(path)], check=False).returncode:
        pytest.skip("以 root 运行且无法设置不可修改属性（chattr +i）：无法构造只读数据库")


def writable(path: Path) -> None:
    if os.geteuid() == 0:
        subprocess.run(["chattr", "-i", str(path)], check=False)
    path.chmod(0o644)


def test_import_into_a_read_only_database_stops_with_a_clear_error_and_changes_nothing(site):
    _, later = exports(site)
    database = site.data_dir / "qunguan.sqlite3"
    before = int(site.python(COUNT))
    files = sorted(site.data_dir.glob("qunguan.sqlite3*"))
    try:
        for path in files:
            read_only(path)
        result = site.qunguan("import", "--json", str(later))
    finally:
        for path in files:
            writable(path)

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"CommandError: {later}: 数据库只读，无法导入（{database}）。请检查数据库文件及所在目录的写权限后重新导入。"
    ]
    assert assert_intact(site, EARLIER) == before == EARLIER
