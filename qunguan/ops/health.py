"""Readiness checks: database reachable, migrations applied, data directory writable."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor

Check = Callable[[], tuple[bool, str]]


def database() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return False, f"数据库无法连接：{exc}"
    return True, f"{connection.vendor} 可用"


def migrations() -> tuple[bool, str]:
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        return False, f"无法读取迁移记录：{exc}"
    if plan:
        names = ", ".join(f"{m.app_label}.{m.name}" for m, _ in plan[:5])
        return False, f"有 {len(plan)} 个数据库迁移尚未执行（{names}），请运行 qunguan upgrade"
    return True, "数据库结构为最新"


def data_dir() -> tuple[bool, str]:
    directory = Path(settings.DATA_DIR)
    try:
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".health-", delete=True) as probe:
            probe.write(b"ok")
            probe.flush()
    except OSError as exc:
        return False, f"数据目录 {directory} 不可写：{exc.strerror or exc}"
    return True, f"数据目录 {directory} 可写"


CHECKS: dict[str, Check] = {"database": database, "migrations": migrations, "data_dir": data_dir}


def run_checks() -> tuple[bool, dict[str, dict[str, object]]]:
    """Return (all passed, {name: {"ok": bool, "detail": str}}); later checks run even if one fails."""
    results: dict[str, dict[str, object]] = {}
    for name, check in CHECKS.items():
        ok, detail = check()
        results[name] = {"ok": ok, "detail": detail}
    return all(r["ok"] for r in results.values()), results
