"""Operations on the installation, each recorded in the audit log: backup, restore, upgrade."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor

from qunguan.auditlog import log
from qunguan.auditlog.events import AuditEvent
from qunguan.ops import backup, encryption
from qunguan.registry import access
from qunguan.registry.errors import RegistryError


def _require_operator(actor: Any) -> None:
    if actor is not None and not access.is_supervisor(actor):
        raise RegistryError("out_of_scope", "只有党委宣传部或服务器管理员可以备份、恢复和升级。")


def do_backup(
    actor: Any, output: Path | None = None, *, key_file: Path | None = None
) -> backup.BackupSummary:
    """Write a backup archive (encrypted with ``key_file``'s key when given) and record it; return the summary.

    Raises ``backup.BackupError``, also for a key file that cannot be read or is too short
    (checked before anything is written).
    """
    _require_operator(actor)
    try:
        key = encryption.read_key(key_file) if key_file is not None else None
    except encryption.EncryptionError as exc:
        raise backup.BackupError(str(exc)) from exc
    summary = backup.create_backup(output, key=key)
    with transaction.atomic():
        log.append(
            actor=actor,
            event=AuditEvent.BACKUP_CREATED,
            object_type="backup",
            object_id=summary.path.name,
            summary=f"创建{'加密' if summary.encrypted else ''}备份 {summary.path.name}"
            f"（{summary.engine}，上传文件 {summary.uploads} 个）",
            after={
                "path": str(summary.path),
                "encrypted": summary.encrypted,
                "engine": summary.engine,
                "database_bytes": summary.database_bytes,
                "uploads": summary.uploads,
            },
        )
    return summary


def do_restore(actor: Any, archive: Path, *, key_file: Path | None = None) -> dict[str, Any]:
    """Replace database and uploads with the archive's, then record the restore in the restored log.

    ``key_file`` decrypts an encrypted archive. Returns the archive's manifest. Raises
    ``backup.BackupError`` before changing anything when the archive does not verify or
    cannot be decrypted.
    """
    _require_operator(actor)
    manifest = backup.restore_backup(archive, key_file=key_file)
    with transaction.atomic():
        log.append(
            actor=None,  # the restored database may not know the acting account
            event=AuditEvent.BACKUP_RESTORED,
            object_type="backup",
            object_id=archive.name,
            summary=f"从备份 {archive.name}（创建于 {backup.created_at(manifest)}）恢复数据库与上传文件",
            after={"path": str(archive), "created": manifest["created"], "uploads": len(manifest["uploads"])},
        )
    return manifest


def pending_migrations() -> list[str]:
    """Return ``app.migration`` names not yet applied, in the order they would run."""
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _ in plan]


def do_upgrade(actor: Any) -> list[str]:
    """Apply pending migrations and record them; return what was applied ([] when up to date).

    Safe to re-run: a second run finds nothing pending, changes nothing and logs nothing.
    """
    _require_operator(actor)
    pending = pending_migrations()
    if not pending:
        return []
    call_command("migrate", interactive=False, verbosity=0, stdout=io.StringIO())
    with transaction.atomic():
        log.append(
            actor=actor,
            event=AuditEvent.DATABASE_UPGRADED,
            object_type="database",
            object_id=connection.vendor,
            summary=f"升级数据库结构：执行 {len(pending)} 个迁移",
            after={"migrations": pending},
        )
    return pending
