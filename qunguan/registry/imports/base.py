"""The shape every importer shares: columns with header synonyms, row-by-row validation,
a report that lists every bad row, and an all-or-nothing apply.

An importer subclasses ``Importer``, declares its ``columns``, and implements ``prepare``
(load what the validation needs in a few queries), ``validate_row`` and ``apply`` (one
domain action). ``parse`` and ``run`` are the same for every importer.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from qunguan.registry import access
from qunguan.registry.errors import RegistryError
from qunguan.registry.imports import values
from qunguan.registry.imports.reading import Cell, FileProblem, read_sheet
from qunguan.registry.imports.values import BadValue
from qunguan.registry.models import Unit

# Stable codes of import problems (API clients and tests rely on them).
UNREADABLE = "unreadable"
EMPTY = "empty"
MISSING_COLUMN = "missing_column"
DUPLICATE_COLUMN = "duplicate_column"
REQUIRED = "required"
INVALID = "invalid"
UNKNOWN_UNIT = "unknown_unit"
AMBIGUOUS_UNIT = "ambiguous_unit"
OUT_OF_SCOPE = "out_of_scope"
DUPLICATE_IN_FILE = "duplicate_in_file"
UNKNOWN_PERSON = "unknown_person"

CREATE = "新增"
UPDATE = "更新"
UNCHANGED = "无变化"


@dataclass(frozen=True)
class Column:
    """One column an importer understands: its field, its canonical Chinese header and synonyms."""

    field: str
    label: str
    synonyms: tuple[str, ...] = ()
    required: bool = False


@dataclass(frozen=True)
class RowError:
    """One problem: file, line as the user sees it (header = 1; None for the whole file), field, reason."""

    filename: str
    line: int | None
    field: str
    message: str
    code: str = INVALID

    def __str__(self) -> str:
        if self.line is None:
            return f"{self.filename}: {self.message}"
        return f"{self.filename}:{self.line}: {self.field}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "filename": self.filename,
            "line": self.line,
            "field": self.field,
            "message": self.message,
            "code": self.code,
        }


@dataclass
class ParsedRow:
    """A row that passed validation: its line, the clean data for the action, and what will happen."""

    line: int
    data: dict[str, Any]
    action: str


@dataclass
class PreviewRow:
    """A row as the web preview shows it: the cells as written, the planned action, its errors."""

    line: int
    values: dict[str, str]
    action: str
    errors: list[RowError] = field(default_factory=list)


@dataclass
class ImportReport:
    """The outcome of parsing (and perhaps importing) one file.

    ``errors`` lists every problem found; when it is not empty nothing was imported.
    ``created``/``updated``/``unchanged`` are filled after a successful import.
    """

    kind: str
    filename: str
    columns: list[str] = field(default_factory=list)
    rows: list[ParsedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    preview: list[PreviewRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    imported: bool = False
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def bad_lines(self) -> list[int]:
        return sorted({e.line for e in self.errors if e.line is not None})

    def error_lines(self) -> list[str]:
        """Return every problem as ``FILE:LINE: 字段: 原因``, in file order."""
        return [str(e) for e in self.errors]

    def summary(self) -> str:
        """Return one Chinese sentence describing the outcome."""
        if self.errors:
            lines = len(self.bad_lines)
            where = f"{lines} 行有" if lines else "文件有"
            return f"{self.filename}：{where}错误（共 {len(self.errors)} 处），未导入任何数据。"
        if not self.imported:
            planned = {CREATE: 0, UPDATE: 0, UNCHANGED: 0}
            for row in self.rows:
                planned[row.action] += 1
            return (
                f"{self.filename}：共 {len(self.rows)} 行，校验通过；将新增 {planned[CREATE]} 条，"
                f"更新 {planned[UPDATE]} 条，{planned[UNCHANGED]} 条无变化。"
            )
        return (
            f"{self.filename}：已导入 {len(self.rows)} 行，新增 {self.created} 条，"
            f"更新 {self.updated} 条，{self.unchanged} 条无变化。"
        )


def _normalise_header(header: str) -> str:
    value = header.strip().lower()
    value = value.translate(str.maketrans("／（）", "/()"))
    value = re.sub(r"[\s*＊:：_\-]", "", value)
    return value


class RowReader:
    """Reads the cells of one row by field, collecting every problem instead of stopping at the first."""

    def __init__(self, cells: dict[str, Cell], labels: dict[str, str]) -> None:
        self.cells = cells
        self.labels = labels
        self.problems: list[tuple[str, str, str]] = []

    def present(self, name: str) -> bool:
        return name in self.cells

    def blank(self, name: str) -> bool:
        cell = self.cells.get(name)
        return cell is None or (isinstance(cell, str) and not cell.strip())

    def take(self, name: str, parse: Callable[[Cell], Any] = values.text, *, required: bool = False) -> Any:
        """Return the parsed cell, or None when it is blank or bad (the problem is recorded)."""
        if self.blank(name):
            if required:
                self.fail(name, "必填，不能为空", REQUIRED)
            return None
        try:
            return parse(self.cells.get(name))
        except BadValue as exc:
            self.fail(name, str(exc), exc.code)
            return None

    def fail(self, name: str, message: str, code: str = INVALID) -> None:
        self.problems.append((self.labels.get(name, name), message, code))


class UnitResolver:
    """Finds a unit by name or by a path of names (作曲系/作曲2023级1班) and checks the actor may manage it."""

    def __init__(self, actor: Any) -> None:
        self.actor = actor
        units = list(Unit.objects.all())
        self.by_id = {u.pk: u for u in units}
        self.by_name: dict[str, list[Unit]] = defaultdict(list)
        for unit in units:
            self.by_name[unit.name].append(unit)

    def chain(self, unit: Unit) -> list[str]:
        """Return the names from the root down to ``unit``."""
        ids = [int(p) for p in unit.path.strip("/").split("/") if p]
        return [self.by_id[i].name for i in ids if i in self.by_id] or [unit.name]

    def may_manage(self, unit: Unit) -> bool:
        return self.actor is None or access.can_manage_unit(self.actor, unit)

    def resolve(self, cell: Cell) -> Unit:
        """Return the unit the cell names; raise BadValue (unknown, ambiguous, out of scope)."""
        value = values.text(cell)
        parts = [p.strip() for p in re.split(r"[/／>＞\\]", value) if p.strip()]
        if not parts:
            raise BadValue(f"找不到单位“{value}”", UNKNOWN_UNIT)
        candidates = [u for u in self.by_name.get(parts[-1], []) if self.chain(u)[-len(parts) :] == parts]
        if not candidates:
            raise BadValue(f"找不到单位“{value}”", UNKNOWN_UNIT)
        if len(candidates) > 1:
            mine = [u for u in candidates if self.may_manage(u)]
            if len(mine) != 1:
                example = "/".join(self.chain(candidates[0])[-2:])
                raise BadValue(f"单位“{value}”有重名，请连同上级单位一起写，例如“{example}”", AMBIGUOUS_UNIT)
            candidates = mine
        unit = candidates[0]
        if not self.may_manage(unit):
            raise BadValue(f"您无权管理单位“{unit.name}”", OUT_OF_SCOPE)
        return unit


class Importer(ABC):
    """Base of every importer; subclasses declare ``kind``, ``title``, ``columns`` and three hooks."""

    kind: ClassVar[str]
    title: ClassVar[str]
    columns: ClassVar[tuple[Column, ...]]

    def __init__(self, actor: Any) -> None:
        self.actor = actor

    @abstractmethod
    def prepare(self, rows: list[tuple[int, dict[str, Cell]]]) -> None:
        """Load what validation needs (units, existing records) in a few queries."""

    @abstractmethod
    def validate_row(self, line: int, reader: RowReader) -> tuple[dict[str, Any], str]:
        """Return the clean data and the planned action (新增/更新/无变化); record problems on ``reader``."""

    @abstractmethod
    def apply(self, rows: list[ParsedRow], source: str) -> tuple[int, int]:
        """Write the rows through one domain action (one transaction); return (created, updated)."""

    # ------------------------------------------------------------ shared

    def _map_headers(
        self, headers: list[str], report: ImportReport
    ) -> tuple[dict[str, int], dict[str, str]] | None:
        lookup: dict[str, Column] = {}
        for column in self.columns:
            for name in (column.label, column.field, *column.synonyms):
                lookup[_normalise_header(name)] = column
        index: dict[str, int] = {}
        labels: dict[str, str] = {}
        for position, header in enumerate(headers):
            if not header:
                continue
            key = _normalise_header(header)
            found = lookup.get(key) or lookup.get(re.sub(r"\(.*?\)", "", key))
            if found is None:
                report.warnings.append(f"已忽略无法识别的列“{header}”。")
                continue
            if found.field in index:
                report.errors.append(
                    RowError(
                        report.filename,
                        1,
                        header,
                        f"与“{labels[found.field]}”是同一列，请只保留一列",
                        DUPLICATE_COLUMN,
                    )
                )
                continue
            index[found.field] = position
            labels[found.field] = header
        for column in self.columns:
            if column.required and column.field not in index:
                report.errors.append(
                    RowError(report.filename, 1, column.label, f"缺少必填列“{column.label}”", MISSING_COLUMN)
                )
        return None if report.errors else (index, labels)

    def parse(self, fileobj: Any, filename: str) -> ImportReport:
        """Read and validate the whole file; return the report (nothing is written)."""
        report = ImportReport(kind=self.kind, filename=filename)
        try:
            sheet = read_sheet(fileobj, filename)
        except FileProblem as exc:
            report.errors.append(RowError(filename, None, "文件", str(exc), UNREADABLE))
            return report
        mapped = self._map_headers(sheet.headers, report)
        if mapped is None:
            return report
        index, labels = mapped
        report.columns = [labels[c.field] for c in self.columns if c.field in labels]
        if not sheet.rows:
            report.errors.append(RowError(filename, None, "文件", "文件中没有数据行。", EMPTY))
            return report
        records = [
            (line, {name: (cells[pos] if pos < len(cells) else None) for name, pos in index.items()})
            for line, cells in sheet.rows
        ]
        self.prepare(records)
        for line, cells in records:
            reader = RowReader(cells, labels)
            data, action = self.validate_row(line, reader)
            row_errors = [RowError(filename, line, f, m, c) for f, m, c in reader.problems]
            report.errors.extend(row_errors)
            report.preview.append(
                PreviewRow(
                    line=line,
                    values={labels[name]: values.text(cell) for name, cell in cells.items()},
                    action=action if not row_errors else "",
                    errors=row_errors,
                )
            )
            if not row_errors:
                report.rows.append(ParsedRow(line, data, action))
        return report

    def run(self, fileobj: Any, filename: str) -> ImportReport:
        """Parse the file and, only when every row is valid, import it in one transaction."""
        report = self.parse(fileobj, filename)
        if report.errors:
            return report
        try:
            created, updated = self.apply(report.rows, filename.replace("\\", "/").rsplit("/", 1)[-1])
        except RegistryError as exc:
            # the registry changed between validation and import (another user's edit):
            # the transaction rolled back, so nothing was imported
            report.errors.append(RowError(filename, None, "文件", f"导入失败：{exc.message}", exc.code))
            return report
        report.imported = True
        report.created = created
        report.updated = updated
        report.unchanged = len(report.rows) - created - updated
        return report
