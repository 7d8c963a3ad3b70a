"""Roster import (花名册导入): staff and students with number, name, kind, unit and contacts."""

from __future__ import annotations

from typing import Any, ClassVar

from qunguan.registry import access, actions
from qunguan.registry.imports import values
from qunguan.registry.imports.base import (
    CREATE,
    DUPLICATE_IN_FILE,
    OUT_OF_SCOPE,
    UNCHANGED,
    UPDATE,
    Column,
    Importer,
    ParsedRow,
    RowReader,
    UnitResolver,
)
from qunguan.registry.imports.reading import Cell
from qunguan.registry.imports.values import BadValue
from qunguan.registry.models import Person, PersonKind

_KINDS = {
    "教职工": PersonKind.STAFF,
    "教工": PersonKind.STAFF,
    "教师": PersonKind.STAFF,
    "职工": PersonKind.STAFF,
    "staff": PersonKind.STAFF,
    "学生": PersonKind.STUDENT,
    "student": PersonKind.STUDENT,
}


def person_kind(cell: Cell) -> str:
    value = values.text(cell)
    kind = _KINDS.get(value.lower())
    if kind is None:
        raise BadValue(f"类别应为“教职工”或“学生”，而不是“{value}”")
    return kind.value


def person_name(cell: Cell) -> str:
    value = values.text(cell)
    if len(value) > 64:
        raise BadValue("姓名过长（最多 64 个字）")
    return value


class RosterImporter(Importer):
    kind = "roster"
    title = "花名册"
    columns: ClassVar[tuple[Column, ...]] = (
        Column(
            "number",
            "工号/学号",
            ("工号", "学号", "工号学号", "学工号", "编号", "staff_no", "student_no"),
            True,
        ),
        Column("name", "姓名", ("名字",), True),
        Column("kind", "类别", ("人员类别", "身份", "type"), True),
        Column(
            "unit", "单位/班级", ("单位", "班级", "部门", "院系", "所在单位", "所在班级", "单位或班级"), True
        ),
        Column("phone", "联系电话", ("电话", "手机", "手机号", "手机号码", "联系方式", "mobile", "tel")),
        Column("email", "邮箱", ("电子邮箱", "电子邮件", "e-mail", "mail")),
        Column("active", "在校/在岗", ("在校", "在岗", "在校在岗", "是否在校", "是否在岗", "在职")),
    )

    def prepare(self, rows: list[tuple[int, dict[str, Cell]]]) -> None:
        self.units = UnitResolver(self.actor)
        numbers = {values.text(cells.get("number")) for _, cells in rows}
        self.existing = {
            p.number: p for p in Person.objects.filter(number__in=numbers).select_related("unit")
        }
        self.first_line: dict[str, int] = {}

    def validate_row(self, line: int, reader: RowReader) -> tuple[dict[str, Any], str]:
        number = reader.take("number", values.roster_number, required=True)
        data: dict[str, Any] = {
            "number": number,
            "name": reader.take("name", person_name, required=True),
            "kind": reader.take("kind", person_kind, required=True),
            "unit": reader.take("unit", self.units.resolve, required=True),
        }
        # blank optional cells keep what the roster already holds (a partial sheet never wipes data)
        for name, parse in (("phone", values.phone), ("email", values.email), ("active", values.yes_no)):
            value = reader.take(name, parse)
            if value is not None:
                data[name] = value
        existing = None
        if number is not None:
            if number in self.first_line:
                reader.fail("number", f"与第 {self.first_line[number]} 行的工号/学号重复", DUPLICATE_IN_FILE)
            else:
                self.first_line[number] = line
            existing = self.existing.get(number)
            if existing is not None and not self.units.may_manage(existing.unit):
                reader.fail("number", f"工号/学号 {number} 已登记在您无权管理的单位，不能修改", OUT_OF_SCOPE)
        if existing is None:
            return data, CREATE
        changed = any(getattr(existing, key) != value for key, value in data.items())
        return data, UPDATE if changed else UNCHANGED

    def apply(self, rows: list[ParsedRow], source: str) -> tuple[int, int]:
        return actions.do_import_roster(self.actor, [row.data for row in rows], source=source)


def visible_roster(actor: Any) -> Any:
    """Return the roster entries ``actor`` may name as owners and admins (everyone for the system)."""
    return Person.objects.all() if actor is None else access.visible_people(actor)
