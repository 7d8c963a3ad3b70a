"""``qunguan upgrade``: applies pending migrations, records them once, and is safe to run again."""

from __future__ import annotations

import json

from tests.ops.conftest import Installation

EVENTS = """
import json
from qunguan.auditlog.models import AuditLogEntry
print(json.dumps([[e.event_type, e.summary] for e in AuditLogEntry.objects.order_by("seq")], ensure_ascii=False))
"""


def test_upgrade_migrates_a_new_installation_then_has_nothing_to_do(tmp_path):
    site = Installation(tmp_path, "")
    first = site.qunguan("upgrade")
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("已执行 ")
    assert "  registry.0001_initial\n" in first.stdout

    again = site.qunguan("upgrade")
    assert again.returncode == 0, again.stderr
    assert again.stdout == "数据库结构已是最新，无需升级。\n"

    events = json.loads(site.python(EVENTS))
    upgrades = [summary for event, summary in events if event == 1302]  # DATABASE_UPGRADED
    assert len(upgrades) == 1
    assert upgrades[0].startswith("升级数据库结构：执行 ")


def test_upgrade_is_listed_among_the_commands():
    from qunguan.cli import COMMANDS

    assert {"backup", "restore", "upgrade"} <= set(COMMANDS)
