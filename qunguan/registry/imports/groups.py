"""Group-registry import (群组登记导入): one row per QQ/WeChat/WeCom group."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from qunguan.registry.imports import values
from qunguan.registry.imports.actions import do_import_groups
from qunguan.registry.imports.base import (
    CREATE,
    DUPLICATE_IN_FILE,
    OUT_OF_SCOPE,
    UNCHANGED,
    UNKNOWN_PERSON,
    UPDATE,
    Column,
    Importer,
    ParsedRow,
    RowReader,
    UnitResolver,
)
from qunguan.registry.imports.reading import Cell
from qunguan.registry.imports.roster import visible_roster
from qunguan.registry.imports.values import BadValue
from qunguan.registry.models import Group, GroupStatus, Person, Platform

_PLATFORMS = {
    "qq": Platform.QQ,
    "微信": Platform.WECHAT,
    "wechat": Platform.WECHAT,
    "weixin": Platform.WECHAT,
    "企业微信": Platform.WECOM,
    "企微": Platform.WECOM,
    "wecom": Platform.WECOM,
    "wework": Platform.WECOM,
}
_STATUSES = {
    "长期": GroupStatus.ACTIVE,
    "常设": GroupStatus.ACTIVE,
    "正常": GroupStatus.ACTIVE,
    "active": GroupStatus.ACTIVE,
    "临时": GroupStatus.TEMPORARY,
    "temporary": GroupStatus.TEMPORARY,
    "已解散": GroupStatus.DISSOLVED,
    "解散": GroupStatus.DISSOLVED,
    "dissolved": GroupStatus.DISSOLVED,
}


def platform(cell: Cell) -> str:
    value = values.text(cell)
    key = re.sub(r"\s", "", value).lower().removesuffix("群")
    found = _PLATFORMS.get(key)
    if found is None:
        raise BadValue(f"平台应为“QQ群”“微信群”或“企业微信群”，而不是“{value}”")
    return found.value


def status(cell: Cell) -> str:
    value = values.text(cell)
    found = _STATUSES.get(value.lower().removesuffix("群"))
    if found is None:
        raise BadValue(f"状态应为“长期”“临时”或“已解散”，而不是“{value}”")
    return found.value


def bounded(limit: int) -> Any:
    def parse(cell: Cell) -> str:
        value = values.text(cell)
        if len(value) > limit:
            raise BadValue(f"内容过长（最多 {limit} 个字）")
        return value

    return parse


class GroupImporter(Importer):
    kind = "groups"
    title = "群组登记"
    columns: ClassVar[tuple[Column, ...]] = (
        Column("platform", "平台", ("群聊类别", "群类别", "类别", "群组类型"), True),
        Column("account", "群号/账号", ("群号", "账号", "群账号", "群ID"), True),
        Column("name", "群名称", ("名称", "群名", "群组名称"), True),
        Column("unit", "所属单位", ("单位", "所在单位", "单位/班级")),
        Column("is_official", "官方群", ("是否官方群", "official")),
        Column("member_scope", "成员范围", ("scope",)),
        Column("purpose", "主要功能或用途", ("功能", "用途", "群组功能", "功能用途")),
        Column("owner", "创建者工号", ("创建者", "群主", "群主工号", "创建者工号/学号")),
        Column("admins", "管理员工号", ("管理员", "管理员工号/学号")),
        Column("created_on", "创建时间", ("创建日期", "建群时间", "建群日期", "created")),
        Column("member_count", "现有人数", ("人数", "成员人数", "群人数", "members")),
        Column("status", "状态", ("群状态",)),
        Column("end_date", "结束日期", ("解散日期", "到期日期")),
        Column("running_normally", "是否正常运行", ("正常运行", "运行状态", "running")),
        Column("notes", "备注", ("说明",)),
    )

    def prepare(self, rows: list[tuple[int, dict[str, Cell]]]) -> None:
        self.units = UnitResolver(self.actor)
        refs: set[str] = set()
        for _, cells in rows:
            refs.add(values.person_ref(values.text(cells.get("owner"))))
            refs.update(values.person_ref(v) for v in values.numbers(cells.get("admins")))
        self.people = {p.number: p for p in visible_roster(self.actor).filter(number__in=refs)}
        accounts = {values.text(cells.get("account")) for _, cells in rows}
        self.existing = {
            (g.platform, g.account): g
            for g in Group.objects.filter(account__in=accounts)
            .select_related("unit")
            .prefetch_related("admins")
        }
        self.first_line: dict[tuple[str, str], int] = {}

    def _person(self, reader: RowReader, name: str, value: str) -> Person | None:
        number = values.person_ref(value)
        person = self.people.get(number)
        if person is None:
            reader.fail(name, f"花名册中没有工号/学号“{number}”（或不在您的管理范围内）", UNKNOWN_PERSON)
        return person

    def validate_row(self, line: int, reader: RowReader) -> tuple[dict[str, Any], str]:
        data: dict[str, Any] = {
            "platform": reader.take("platform", platform, required=True),
            "account": reader.take("account", bounded(64), required=True),
            "name": reader.take("name", bounded(100), required=True),
        }
        key = (data["platform"], data["account"])
        existing = self.existing.get(key) if None not in key else None
        if existing is not None and not self.units.may_manage(existing.unit):
            reader.fail("account", "该群已由其他单位登记，您无权修改", OUT_OF_SCOPE)
        if None not in key:
            if key in self.first_line:
                reader.fail("account", f"与第 {self.first_line[key]} 行的群号重复", DUPLICATE_IN_FILE)
            else:
                self.first_line[key] = line
        if (
            data["platform"] == Platform.QQ
            and data["account"]
            and not re.fullmatch(r"\d{5,12}", data["account"])
        ):
            reader.fail("account", f"QQ群号应为 5 至 12 位数字，而不是“{data['account']}”")
        # a new group needs a unit; an update keeps its unit when the cell is blank
        unit = reader.take("unit", self.units.resolve, required=existing is None)
        if unit is not None:
            data["unit"] = unit
        # blank optional cells keep the registry's value (a partial sheet never wipes data)
        optional = (
            ("is_official", values.yes_no),
            ("member_scope", bounded(200)),
            ("purpose", bounded(300)),
            ("created_on", values.date),
            ("member_count", values.count),
            ("status", status),
            ("end_date", values.date),
            ("running_normally", values.yes_no),
            ("notes", values.text),
        )
        for name, parse in optional:
            value = reader.take(name, parse)
            if value is not None:
                data[name] = value
        owner = reader.take("owner")
        if owner:
            data["owner"] = self._person(reader, "owner", owner)
        if not reader.blank("admins"):
            data["admins"] = [
                self._person(reader, "admins", v) for v in values.numbers(reader.cells["admins"])
            ]
        self._check_status(reader, data, existing)
        if existing is None:
            return data, CREATE
        return data, UPDATE if self._changes(existing, data) else UNCHANGED

    def _check_status(self, reader: RowReader, data: dict[str, Any], existing: Group | None) -> None:
        state = data.get("status", existing.status if existing else GroupStatus.ACTIVE)
        end_date = data.get("end_date", existing.end_date if existing else None)
        if state == GroupStatus.TEMPORARY and end_date is None:
            reader.fail("end_date" if reader.present("end_date") else "status", "临时群必须填写结束日期")
        if state == GroupStatus.DISSOLVED:
            # for a dissolved group the end date is the day it was dissolved
            data["dissolved_on"] = data.pop("end_date", existing.dissolved_on if existing else None)
            data["running_normally"] = False

    @staticmethod
    def _changes(group: Group, data: dict[str, Any]) -> bool:
        for key, value in data.items():
            if key == "admins":
                if {p.pk for p in value if p} != {p.pk for p in group.admins.all()}:
                    return True
            elif getattr(group, key) != value:
                return True
        return False

    def apply(self, rows: list[ParsedRow], source: str) -> tuple[int, int]:
        return do_import_groups(self.actor, [row.data for row in rows], source=source)
