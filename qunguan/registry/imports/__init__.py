"""Spreadsheet imports into the registry: the roster (花名册) and group registrations (群组登记).

Public API for the transports (web, API, CLI)::

    parse_roster(fileobj, filename, actor) -> ImportReport   # validate only, for a preview
    import_roster(actor, fileobj, filename) -> ImportReport  # import when every row is valid
    parse_groups(fileobj, filename, actor) -> ImportReport
    import_groups(actor, fileobj, filename) -> ImportReport

``fileobj`` is any binary file (an upload, an open file); CSV (UTF-8 with or without BOM,
GB18030) and XLSX are read. A file with any bad row imports nothing: ``report.errors``
lists every problem with file, line (header = line 1), field and a Chinese reason.
``actor`` None means the system (CLI without ``--as``), which may import anywhere.

Importers share one shape (``base.Importer``) and are registered in ``IMPORTERS``.
"""

from __future__ import annotations

from typing import Any

from qunguan.registry.imports.base import Column, Importer, ImportReport, ParsedRow, PreviewRow, RowError
from qunguan.registry.imports.groups import GroupImporter
from qunguan.registry.imports.roster import RosterImporter

IMPORTERS: dict[str, type[Importer]] = {
    RosterImporter.kind: RosterImporter,
    GroupImporter.kind: GroupImporter,
}

__all__ = [
    "IMPORTERS",
    "Column",
    "ImportReport",
    "Importer",
    "ParsedRow",
    "PreviewRow",
    "RowError",
    "import_groups",
    "import_roster",
    "parse_groups",
    "parse_roster",
]


def parse_roster(fileobj: Any, filename: str, actor: Any) -> ImportReport:
    """Validate a roster file without writing anything; return the report with its preview."""
    return RosterImporter(actor).parse(fileobj, filename)


def import_roster(actor: Any, fileobj: Any, filename: str) -> ImportReport:
    """Import a roster file when every row is valid (one transaction); return the report."""
    return RosterImporter(actor).run(fileobj, filename)


def parse_groups(fileobj: Any, filename: str, actor: Any) -> ImportReport:
    """Validate a group-registry file without writing anything; return the report with its preview."""
    return GroupImporter(actor).parse(fileobj, filename)


def import_groups(actor: Any, fileobj: Any, filename: str) -> ImportReport:
    """Import a group-registry file when every row is valid (one transaction); return the report."""
    return GroupImporter(actor).run(fileobj, filename)
