"""An import on SQLite leaves no large write-ahead log behind.

During an import the WAL is checkpointed only every 256 MB (``chats.bulk.IMPORT_PRAGMAS``), so
it grows large; once the import ends it is copied into the database and cut back,
while the process that imported is still running (a server process may run for weeks).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.faults.export import write_generic_csv
from tests.ops.conftest import ON_POSTGRES

pytestmark = pytest.mark.skipif(ON_POSTGRES, reason="SQLite 的预写日志文件")

IMPORT_THEN_MEASURE = """
from pathlib import Path
from django.db import connection
from qunguan.chats.actions import do_import_chat_file
from qunguan.chats.models import ChatMessage

summary = do_import_chat_file(None, Path({export!r}))
wal = Path(connection.settings_dict["NAME"] + "-wal")
print(summary.batch.stored, wal.stat().st_size if wal.exists() else 0, ChatMessage.objects.count())
"""


def test_the_wal_is_cut_back_after_an_import_in_a_running_process(installation, tmp_path: Path) -> None:
    export = write_generic_csv(tmp_path / "工作群聊天记录.csv", 3000, seed=7)
    stored, wal_bytes, messages = installation.python(IMPORT_THEN_MEASURE.format(export=str(export))).split()
    assert int(stored) == int(messages) == 3000
    assert int(wal_bytes) < 256 * 1024  # (the import's own last writes: its counters and audit entry)
