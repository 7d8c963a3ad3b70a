"""Which "running" imports count as cut off: per host and process, by heartbeat.

Several hosts (or the web upload and ``qunguan import`` on one host) may import at the same
time, so a batch still marked running is closed as interrupted only when its import is gone: its
process no longer exists on this host, or — on any host — its heartbeat is older than
``QUNGUAN_IMPORT_STALE_SECONDS``.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from qunguan.auditlog.events import AuditEvent
from qunguan.auditlog.models import AuditLogEntry
from qunguan.chats.actions import (
    INTERRUPTED,
    do_close_interrupted_imports,
    do_import_chat_file,
    this_host,
)
from qunguan.chats.models import ImportBatch, ImportState

GROUP_A = "600100200"  # the cast's 作曲系教职工群
OTHER_HOST = "qunguan-web-2"


class _Cut(BaseException):
    """Ends an import the way a kill does: no state is written after it."""


def cut_off_import(chat_file: Any, **where: Any) -> ImportBatch:
    """Return the batch of an import stopped before it finished, as left by ``where``'s process.

    The import runs here, in this process; ``where`` (host, pid, heartbeat_at) then describes
    the process that ran it — another host's, or one of this host that has ended.
    """

    def stop(position: int, messages: int) -> None:
        raise _Cut

    with pytest.raises(_Cut):
        do_import_chat_file(
            None, chat_file(f"2024-09-02T09:00:05|{GROUP_A}|10001001|王建国|收到|m1"), progress=stop
        )
    batch = ImportBatch.objects.get()
    assert batch.state == ImportState.RUNNING
    ImportBatch.objects.filter(pk=batch.pk).update(**where)
    batch.refresh_from_db()
    return batch


def ended_pid() -> int:
    """Return the id of a process of this host that has just ended."""
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def test_an_import_records_its_host_process_and_heartbeat(cast, chat_file):
    before = timezone.now()
    batch = do_import_chat_file(
        None, chat_file(f"2024-09-02T09:00:05|{GROUP_A}|10001001|王建国|收到|m1")
    ).batch
    batch.refresh_from_db()
    assert (batch.host, batch.pid) == (this_host(), os.getpid())
    assert batch.heartbeat_at is not None
    assert batch.heartbeat_at >= before


def test_a_batch_of_a_live_process_on_this_host_stays_open(cast, chat_file):
    batch = cut_off_import(chat_file, host=this_host(), pid=os.getppid(), heartbeat_at=timezone.now())
    assert do_close_interrupted_imports(None) == 0
    batch.refresh_from_db()
    assert batch.state == ImportState.RUNNING


def test_the_import_running_in_this_very_process_is_not_closed_by_a_check_it_runs(cast, chat_file):
    closed: list[int] = []

    def check(position: int, messages: int) -> None:
        closed.append(do_close_interrupted_imports(None))

    lines = [f"2024-09-02T09:00:05|{GROUP_A}|10001001|王建国|收到|m1"]
    batch = do_import_chat_file(None, chat_file(*lines), progress=check).batch
    assert closed == [0]
    assert batch.state == ImportState.DONE


def test_a_batch_whose_process_on_this_host_is_gone_is_closed_as_interrupted(cast, chat_file):
    batch = cut_off_import(chat_file, host=this_host(), pid=ended_pid(), heartbeat_at=timezone.now())
    assert do_close_interrupted_imports(None) == 1
    batch.refresh_from_db()
    assert (batch.state, batch.error) == (ImportState.FAILED, INTERRUPTED)
    assert batch.finished_at is not None
    entry = AuditLogEntry.objects.get(event_type=AuditEvent.CHATS_IMPORT_INTERRUPTED)
    assert entry.summary == f"导入聊天记录“{batch.file_name}”中断：已存入 1 条，重新导入同一文件即可继续"


def test_a_batch_of_another_host_with_a_fresh_heartbeat_stays_open(cast, chat_file):
    # The pid means nothing here: it is a process of the other host, whatever runs under it here.
    batch = cut_off_import(chat_file, host=OTHER_HOST, pid=ended_pid(), heartbeat_at=timezone.now())
    assert do_close_interrupted_imports(None) == 0
    batch.refresh_from_db()
    assert batch.state == ImportState.RUNNING


def test_a_batch_of_another_host_with_a_stale_heartbeat_is_closed(cast, chat_file, settings):
    stale = timezone.now() - dt.timedelta(seconds=settings.QUNGUAN_IMPORT_STALE_SECONDS + 1)
    batch = cut_off_import(chat_file, host=OTHER_HOST, pid=os.getpid(), heartbeat_at=stale)
    assert do_close_interrupted_imports(None) == 1
    batch.refresh_from_db()
    assert (batch.state, batch.error) == (ImportState.FAILED, INTERRUPTED)


def test_a_live_batch_on_this_host_is_closed_once_its_heartbeat_is_stale(cast, chat_file, settings):
    # A process id can be taken by a new process after a crash: the heartbeat still tells.
    batch = cut_off_import(chat_file, host=this_host(), pid=os.getppid(), heartbeat_at=timezone.now())
    later = timezone.now() + dt.timedelta(seconds=settings.QUNGUAN_IMPORT_STALE_SECONDS + 1)
    assert do_close_interrupted_imports(None, now=later) == 1
    batch.refresh_from_db()
    assert batch.state == ImportState.FAILED


def test_a_batch_from_before_heartbeats_is_judged_by_its_start(cast, chat_file, settings):
    batch = cut_off_import(chat_file, host="", pid=None, heartbeat_at=None)
    assert do_close_interrupted_imports(None) == 0
    later = batch.started_at + dt.timedelta(seconds=settings.QUNGUAN_IMPORT_STALE_SECONDS + 1)
    assert do_close_interrupted_imports(None, now=later) == 1


def test_closing_twice_closes_and_logs_once(cast, chat_file):
    cut_off_import(chat_file, host=this_host(), pid=ended_pid(), heartbeat_at=timezone.now())
    assert do_close_interrupted_imports(None) == 1
    assert do_close_interrupted_imports(None) == 0
    assert AuditLogEntry.objects.filter(event_type=AuditEvent.CHATS_IMPORT_INTERRUPTED).count() == 1


def test_the_import_command_closes_what_is_gone_and_leaves_what_runs(cast, chat_file, settings):
    stale = timezone.now() - dt.timedelta(seconds=settings.QUNGUAN_IMPORT_STALE_SECONDS + 1)
    gone = cut_off_import(chat_file, host=OTHER_HOST, pid=1, heartbeat_at=stale)
    running = do_import_chat_file(
        None, chat_file(f"2024-09-02T09:00:06|{GROUP_A}|10001002|李芳|好的|m2")
    ).batch
    ImportBatch.objects.filter(pk=running.pk).update(
        state=ImportState.RUNNING, host=OTHER_HOST, heartbeat_at=timezone.now()
    )
    later = chat_file(f"2024-09-02T09:00:07|{GROUP_A}|10001003|张三|好|m3", name="later.pipe")
    call_command("import_chats", "--json", str(later), stdout=io.StringIO())
    states = dict(ImportBatch.objects.filter(pk__in=[gone.pk, running.pk]).values_list("pk", "state"))
    assert states == {gone.pk: ImportState.FAILED, running.pk: ImportState.RUNNING}


def test_the_scheduler_closes_an_import_whose_heartbeat_went_stale(cast, chat_file, settings):
    from qunguan.scheduler.runner import run_due

    stale = timezone.now() - dt.timedelta(seconds=settings.QUNGUAN_IMPORT_STALE_SECONDS + 1)
    gone = cut_off_import(chat_file, host=OTHER_HOST, pid=os.getpid(), heartbeat_at=stale)
    outcomes = run_due(timezone.now(), only=["interrupted_imports"])
    assert [(o.name, o.status, o.result) for o in outcomes] == [
        ("interrupted_imports", "ok", "标记中断的导入 1 个")
    ]
    gone.refresh_from_db()
    assert (gone.state, gone.error) == (ImportState.FAILED, INTERRUPTED)
    assert AuditLogEntry.objects.filter(event_type=AuditEvent.CHATS_IMPORT_INTERRUPTED).count() == 1
