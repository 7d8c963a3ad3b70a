"""The domain action behind the group import: every row through the registry actions, one transaction."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from qunguan.auditlog import log
from qunguan.auditlog.events import AuditEvent
from qunguan.registry import actions
from qunguan.registry.models import Group


@transaction.atomic
def do_import_groups(actor: Any, rows: list[dict[str, Any]], *, source: str) -> tuple[int, int]:
    """Register new groups and update existing ones (matched by platform and account); return (created, updated).

    Each row goes through ``do_register_group``/``do_update_group``, so scope rules and the
    per-group history apply as for a single edit; one GROUPS_IMPORTED entry records the file.
    Raises RegistryError, which rolls back the whole file.
    """
    created = updated = 0
    for row in rows:
        fields = {k: v for k, v in row.items() if k != "admins"}
        admins = row.get("admins")
        group = Group.objects.filter(platform=row["platform"], account=row["account"]).first()
        if group is None:
            actions.do_register_group(actor, admins=admins or (), **fields)
            created += 1
            continue
        before = actions.group_snapshot(group)
        actions.do_update_group(actor, group, admins=admins, **fields)
        if actions.group_snapshot(group) != before:
            updated += 1
    log.append(
        actor=actor,
        event=AuditEvent.GROUPS_IMPORTED,
        object_type="groups",
        object_id=source[:64],
        summary=f"导入群组登记 {source}：新增 {created} 个，更新 {updated} 个",
        after={"source": source, "created": created, "updated": updated, "rows": len(rows)},
    )
    return created, updated
