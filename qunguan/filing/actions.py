"""Exporting a unit's filing form (导出备案登记表): scope checked, audit-logged, one transaction."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from qunguan.auditlog import log
from qunguan.auditlog.events import AuditEvent
from qunguan.filing.docx_writer import write_docx
from qunguan.filing.form import FilingForm, build_filing_form
from qunguan.filing.pdf_writer import write_pdf
from qunguan.filing.xlsx_writer import write_xlsx
from qunguan.registry import access, errors
from qunguan.registry.actions import _require_manage
from qunguan.registry.errors import RegistryError
from qunguan.registry.models import Unit

# One writer per file format; the format is also the file's extension.
WRITERS: dict[str, Callable[[FilingForm], bytes]] = {
    "xlsx": write_xlsx,
    "docx": write_docx,
    "pdf": write_pdf,
}

# Characters that no file name may hold on Windows, macOS or Linux.
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def filing_filename(unit: Unit, filing_date: dt.date, fmt: str) -> str:
    """Return the download name, e.g. ``作曲系-备案登记表-2025-03-05.xlsx``."""
    name = _UNSAFE.sub("_", unit.name).strip() or "单位"
    return f"{name}-备案登记表-{filing_date:%Y-%m-%d}.{fmt}"


def _filler(actor: Any) -> str:
    """Return the exporting user's name for 填报人, or "" for the system and the supervisor.

    The supervisor (宣传部) exports on a unit's behalf and is not the unit's 填报人; the line is
    then left blank for the unit to write in.
    """
    if actor is None or access.is_supervisor(actor):
        return ""
    person = getattr(actor, "person", None)
    return str(person.name if person else actor.display_name or actor.get_username())


@transaction.atomic
def do_export_filing(
    actor: Any, unit: Unit, fmt: str, *, filing_date: dt.date | None = None
) -> tuple[str, bytes]:
    """Return ``(filename, content)`` of ``unit``'s 备案登记表 as ``fmt`` ("xlsx", "docx" or "pdf").

    Only the supervisor and the managers of the unit's subtree may export; ``actor=None`` is
    the system and may export any unit. Contacts are in full for users allowed to see personal
    data (``access.can_see_personal_data``), masked otherwise. ``filing_date`` (填报日期)
    defaults to today. Writes one ``FILING_EXPORTED`` audit entry.

    Raises RegistryError: ``out_of_scope`` when the actor may not export the unit, ``invalid``
    for an unknown format.
    """
    _require_manage(actor, unit)
    writer = WRITERS.get(fmt)
    if writer is None:
        raise RegistryError(
            errors.INVALID, f"不支持的导出格式“{fmt}”，请选择 xlsx、docx 或 pdf。", field="fmt"
        )
    day = filing_date or timezone.localdate()
    reveal = actor is None or access.can_see_personal_data(actor, unit)
    form = build_filing_form(
        unit,
        filing_date=day,
        school=settings.QUNGUAN_SCHOOL_NAME,
        filler=_filler(actor),
        reveal_contacts=reveal,
    )
    content = writer(form)
    group_ids = form.group_ids
    log.append(
        actor=actor,
        event=AuditEvent.FILING_EXPORTED,
        obj=unit,
        unit_path=unit.path,
        summary=f"导出“{unit.name}”的备案登记表（{fmt.upper()}，{len(group_ids)} 个群组）",
        after={
            "format": fmt,
            "filing_date": day,
            "groups": group_ids,
            "contacts": "masked" if form.contacts_masked else "full",
        },
    )
    return filing_filename(unit, day, fmt), content
