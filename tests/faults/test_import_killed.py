"""``qunguan import`` killed with SIGKILL at random points, then run again until it completes.

Every message ends up stored exactly once, the findings made on the way are not duplicated, the
batch counters agree with what is stored, no batch stays "running" forever, and the audit log's
hash chain holds. ``make test`` kills 3 times; ``make soak`` 20 times over a larger export
(``QUNGUAN_FAULT_KILLS``, ``QUNGUAN_FAULT_MESSAGES``, ``QUNGUAN_FAULT_SEED``).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from qunguan.chats.actions import INTERRUPTED
from tests.faults.export import write_generic_csv
from tests.ops.conftest import ON_POSTGRES, Installation

KILLS = int(os.environ.get("QUNGUAN_FAULT_KILLS", "3"))
MESSAGES = int(os.environ.get("QUNGUAN_FAULT_MESSAGES", "5000"))
SEED = int(os.environ.get("QUNGUAN_FAULT_SEED", "20240902"))
# Messages per transaction of the killed imports: several per export, so that a kill can leave
# some stored and fall inside the next.
BATCH = "1000"
# Seconds after the import opened the export in which the kill falls: about the time storing
# and auditing the whole file takes on a slow machine, so kills land before, between and inside
# the transactions.
KILL_WINDOW = MESSAGES / 3000

STATE = """
import json
from django.db.models import Count
from qunguan.auditlog.events import AuditEvent
from qunguan.auditlog.models import AuditLogEntry
from qunguan.chats.models import ChatMessage, Finding, ImportBatch
messages = ChatMessage.objects
print(json.dumps({
    "messages": messages.count(),
    "fingerprints": messages.values("fingerprint").distinct().count(),
    "ids": sorted(messages.values_list("message_id", flat=True)),
    "same_id_twice": messages.values("platform", "group_account", "message_id")
        .annotate(n=Count("id")).filter(n__gt=1).count(),
    "without_batch": messages.filter(batch=None).count(),
    "findings": Finding.objects.count(),
    "same_finding_twice": Finding.objects.values("message", "rule", "start", "end")
        .annotate(n=Count("id")).filter(n__gt=1).count(),
    "batches": [
        {"state": b.state, "stored": b.stored, "findings": b.findings, "error": b.error,
         "finished": b.finished_at is not None}
        for b in ImportBatch.objects.order_by("pk")
    ],
    "interruptions_logged": AuditLogEntry.objects.filter(
        event_type=AuditEvent.CHATS_IMPORT_INTERRUPTED).count(),
}))
"""


def holds_open(pid: int, path: Path) -> bool:
    """Whether process ``pid`` has ``path`` open: the import is reading the export."""
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return False
    for fd in fds:
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}") == str(path):
                return True
        except OSError:
            continue
    return False


def import_and_kill(site: Installation, export: Path, delay: float) -> tuple[bool, float]:
    """Start ``qunguan import`` and SIGKILL it ``delay`` s after it opened ``export``.

    Return whether it was killed (else it completed first) and how long it ran after opening.
    """
    child = subprocess.Popen(
        [sys.executable, "-m", "qunguan", "import", "--json", str(export)],
        env={**site.env(), "QUNGUAN_IMPORT_BATCH_MESSAGES": BATCH},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while not holds_open(child.pid, export) and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    opened = time.monotonic()
    try:
        child.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        child.send_signal(signal.SIGKILL)
        child.wait()
        return True, time.monotonic() - opened
    finally:
        assert child.stderr is not None
        errors = child.stderr.read().decode()
        child.stderr.close()
    assert child.returncode == 0, errors
    return False, time.monotonic() - opened


def test_import_killed_at_random_points_resumes_and_stores_every_message_exactly_once(
    installation: Installation, tmp_path: Path
) -> None:
    export = write_generic_csv(tmp_path / "工作群聊天记录.csv", MESSAGES, SEED)
    rng = random.Random(SEED)
    kills = completed_early = 0
    window = KILL_WINDOW
    while kills < KILLS:
        killed, ran = import_and_kill(installation, export, rng.uniform(0, window))
        if killed:
            kills += 1
        else:
            # Once everything is stored a run only skips duplicates and ends sooner: kill within
            # the time such a run takes, so that the kills still fall inside it.
            completed_early += 1
            window = min(window, ran * 0.9)
        assert completed_early <= KILLS, "导入总在被终止前完成：终止窗口太长"

    final = installation.qunguan("import", "--json", str(export))
    assert final.returncode == 0, final.stderr
    summary = json.loads(final.stdout)
    assert summary["state"] == "done"
    assert summary["read"] == MESSAGES
    assert summary["stored"] + summary["duplicates"] == MESSAGES

    state = json.loads(installation.python(STATE))
    # Every message exactly once: by count, by fingerprint, by (group, message id), by id.
    assert state["messages"] == MESSAGES
    assert state["fingerprints"] == MESSAGES
    assert state["same_id_twice"] == 0
    assert state["ids"] == [f"m{i:07d}" for i in range(1, MESSAGES + 1)]
    assert state["without_batch"] == 0
    # Findings once each, and the batches' counters agree with what their transactions stored.
    assert state["findings"] > 0
    assert state["same_finding_twice"] == 0
    batches = state["batches"]
    assert sum(b["stored"] for b in batches) == MESSAGES
    assert sum(b["findings"] for b in batches) == state["findings"]
    # No batch is left "running": the killed ones are closed as interrupted, the rest are done.
    assert {b["state"] for b in batches} <= {"done", "failed"}
    assert all(b["finished"] for b in batches)
    assert batches[-1]["state"] == "done"
    assert all(b["error"] == INTERRUPTED for b in batches if b["state"] == "failed")
    assert sum(b["state"] == "failed" for b in batches) <= kills
    assert state["interruptions_logged"] == sum(b["state"] == "failed" for b in batches)

    verified = installation.qunguan("verify-log")
    assert verified.returncode == 0, verified.stderr
    assert "哈希链校验通过" in verified.stdout
    if not ON_POSTGRES:
        integrity = installation.python(
            "from django.db import connection\n"
            "with connection.cursor() as c:\n"
            "    print(c.execute('PRAGMA integrity_check').fetchone()[0])"
        )
        assert integrity == "ok\n"
