"""The content of the filing form (备案登记表), the annex of the regulation, read from the registry.

The annex is transposed: its rows are the fields (群聊类别, 名称, 账号, …) and its columns are
the groups — 微信群1–3, then QQ群1–3. ``build_filing_form`` returns that table as plain data
(no spreadsheet or word-processor types) so that each writer only lays it out:

* the two platforms the annex names keep their three columns each, blank where a unit has
  fewer groups, so the printed form looks like the one in the regulation;
* a platform with more than three groups gets as many columns as it has groups — the
  annex's note allows adjusting the table ("可根据实际情况微调此表格"), it never allows leaving
  a group out; 企业微信群, which the annex does not name, follow the QQ columns;
* ``FilingForm.pages`` cuts the columns into printable blocks of six (what fits an A4
  landscape page); the writers print the blocks after the first as continuation tables (续表).
  A block that would hold only empty slots is not printed.

Which groups: every group of the unit **and of its sub-units** (e.g. a 院系's classes) that is
not dissolved. The regulation makes the 基层党组织/部门/院系 answer for every teacher and student
group it contains (第三条第四款: student groups are built per class), has the unit itself
register the groups below its own level (第三条第三款), and has each 基层党组织、部门、院系 — not
each class — fill in this form every March (第三条第七款). A class therefore never files alone:
its groups appear on its 院系's form, marked with the class's name. Dissolved groups are not
listed: the form states the groups that exist (第四条第一款 asks units to dissolve stale ones).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from django.db.models import Prefetch

from qunguan.registry.masking import mask_email, mask_phone
from qunguan.registry.models import Group, GroupStatus, Person, Platform, Unit

# The annex's rows, in its order. The first is the column heading (which group this column is).
CATEGORY_LABEL = "群聊类别"
FIELD_LABELS: tuple[str, ...] = (
    CATEGORY_LABEL,
    "名称",
    "账号",
    "创建者及联系方式",
    "管理员及联系方式",
    "主要功能或用途",
    "创建时间",
    "现有人数",
    "是否正常运行",
    "是否建立管理办法",
)

# Platform columns in the annex's order, and how many columns the annex prints for each.
PLATFORM_ORDER: tuple[str, ...] = (Platform.WECHAT, Platform.QQ, Platform.WECOM)
ANNEX_SLOTS: dict[str, int] = {Platform.WECHAT: 3, Platform.QQ: 3}
PLATFORM_LABELS: dict[str, str] = {str(value): str(label) for value, label in Platform.choices}

# Six group columns beside the field labels fill an A4 landscape page, as in the annex.
COLUMNS_PER_PAGE = 6

TITLE_TEMPLATE = "{school}校内各级各类QQ群、微信群等工作社交群组备案登记表"
ANNEX_MARK = "附件"
NOTE = "注：在填报表格时，如本单位校内工作社交群组较多，可根据实际情况微调此表格，将信息填报准确。"
CONTINUATION = "（续表）"
SIGNATURE_LINE = (
    "部门负责人（签字）：＿＿＿＿＿＿＿＿　　　　填报部门（盖章）：＿＿＿＿＿＿＿＿　　　　"
    "日期：＿＿＿＿年＿＿月＿＿日"
)

YES, NO = "是", "否"

Cell = str | int
T = TypeVar("T")


def chinese_date(day: dt.date) -> str:
    """Return ``day`` as written on Chinese forms: 2025年3月5日."""
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass(frozen=True)
class FilingColumn:
    """One group's column of the form (or a blank column the annex prints for handwriting)."""

    category: str
    sub_unit: str = ""
    name: str = ""
    account: str = ""
    owner: str = ""
    admins: str = ""
    purpose: str = ""
    created_on: str = ""
    member_count: int | None = None
    running: str = ""
    has_rules: str = ""
    group_id: int | None = None

    @property
    def heading(self) -> str:
        """Return the 群聊类别 cell: "QQ群2", with the sub-unit's name below for a sub-unit's group."""
        return f"{self.category}\n（{self.sub_unit}）" if self.sub_unit else self.category

    def cells(self) -> tuple[Cell, ...]:
        """Return this column's cells in ``FIELD_LABELS`` order (the head count as a number)."""
        return (
            self.heading,
            self.name,
            self.account,
            self.owner,
            self.admins,
            self.purpose,
            self.created_on,
            "" if self.member_count is None else self.member_count,
            self.running,
            self.has_rules,
        )


@dataclass(frozen=True)
class FilingForm:
    """The whole 备案登记表 of one unit: title, header lines, group columns, note and signature."""

    school: str
    unit_name: str
    filing_date: dt.date
    header: tuple[tuple[str, str], ...]
    columns: tuple[FilingColumn, ...]
    contacts_masked: bool

    @property
    def title(self) -> str:
        """Return the annex's title with the school's name: "四川音乐学院校内各级各类…备案登记表".

        A name that already ends in 校 (the default "本校") drops "校内", so that the title does
        not read "本校校内".
        """
        if self.school.endswith("校"):
            return TITLE_TEMPLATE.format(school=self.school).replace(f"{self.school}校内", self.school, 1)
        return TITLE_TEMPLATE.format(school=self.school)

    @property
    def header_lines(self) -> tuple[str, ...]:
        """Return the four lines above the table, e.g. "填报部门（签字、盖章）：作曲系"."""
        return tuple(f"{label}：{value}" for label, value in self.header)

    @property
    def group_ids(self) -> list[int]:
        return [c.group_id for c in self.columns if c.group_id is not None]

    def pages(self, per_page: int = COLUMNS_PER_PAGE) -> list[tuple[FilingColumn, ...]]:
        """Return the columns cut into printable blocks of at most ``per_page``.

        A block of blank columns only (the annex's empty slots pushed past the last group)
        is left out: it would print a page with nothing to fill in. Never returns no block.
        """
        cols = self.columns
        blocks = [cols[i : i + per_page] for i in range(0, len(cols), per_page)]
        kept = [block for block in blocks if any(c.group_id is not None for c in block)]
        return kept or blocks[:1] or [()]

    @staticmethod
    def rows(columns: Sequence[FilingColumn]) -> list[list[Cell]]:
        """Return the transposed table of ``columns``: one row per field, its label first."""
        cells = [c.cells() for c in columns]
        return [[label, *(col[i] for col in cells)] for i, label in enumerate(FIELD_LABELS)]


def _person_line(person: Person, reveal: bool) -> str:
    """Return "姓名 电话" (e-mail on its own line); contacts masked unless ``reveal``."""
    phone = person.phone.strip()
    email = person.email.strip()
    if not reveal:
        phone = mask_phone(phone) if phone else ""
        email = mask_email(email) if email else ""
    first = f"{person.name} {phone}" if phone else person.name
    return f"{first}\n{email}" if email else first


def _people(people: Iterable[Person], reveal: bool) -> str:
    return "\n".join(_person_line(p, reveal) for p in people)


def _column(category: str, group: Group, unit: Unit, reveal: bool) -> FilingColumn:
    return FilingColumn(
        category=category,
        sub_unit="" if group.unit_id == unit.pk else group.unit.name,
        name=group.name,
        account=group.account,
        owner=_person_line(group.owner, reveal) if group.owner else "",
        admins=_people(group.admins.all(), reveal),
        purpose=group.purpose,
        created_on=chinese_date(group.created_on) if group.created_on else "",
        member_count=group.member_count,
        running=YES if group.running_normally else NO,
        has_rules=YES if group.has_rules else NO,
        group_id=group.pk,
    )


def filing_groups(unit: Unit) -> list[Group]:
    """Return the groups on ``unit``'s form: its own and its sub-units', not dissolved.

    Order: the unit's own groups first, then each sub-unit's in tree order; official groups
    first within a unit, then by name.
    """
    return list(
        Group.objects.filter(unit__path__startswith=unit.path)
        .exclude(status=GroupStatus.DISSOLVED)
        .select_related("unit", "owner")
        .prefetch_related(Prefetch("admins", queryset=Person.objects.order_by("number")))
        .order_by("unit__path", "-is_official", "name", "pk")
    )


def build_filing_form(
    unit: Unit,
    *,
    filing_date: dt.date,
    school: str,
    filler: str = "",
    reveal_contacts: bool,
) -> FilingForm:
    """Return the filing form of ``unit`` (see the module docstring for which groups it lists).

    ``filler`` (填报人) is used when the unit has no liaison (联络人) on record; the head line
    (部门负责人) is the unit's head, blank when none is recorded, to be written in by hand.
    Contacts are in full when ``reveal_contacts``, masked (138****8000) otherwise.
    """
    columns = arrange_columns(
        [(group.platform, group) for group in filing_groups(unit)],
        lambda category, group: _column(category, group, unit, reveal_contacts),
    )
    return assemble_form(
        unit, columns, filing_date=filing_date, school=school, filler=filler, reveal_contacts=reveal_contacts
    )


def arrange_columns(
    items: Iterable[tuple[str, T]], make: Callable[[str, T], FilingColumn]
) -> list[FilingColumn]:
    """Return the annex's columns for ``(platform, item)`` pairs, in the annex's platform order.

    ``make(category, item)`` builds one group's column ("QQ群2"); the annex's blank slots are
    added where a platform has fewer than three groups.
    """
    by_platform: dict[str, list[T]] = {}
    for platform, item in items:
        by_platform.setdefault(platform, []).append(item)
    platforms = [*PLATFORM_ORDER, *sorted(set(by_platform) - set(PLATFORM_ORDER))]
    columns: list[FilingColumn] = []
    for platform in platforms:
        found = by_platform.get(platform, [])
        label = PLATFORM_LABELS.get(platform, platform)
        for n in range(1, max(len(found), ANNEX_SLOTS.get(platform, 0)) + 1):
            category = f"{label}{n}"
            if n <= len(found):
                columns.append(make(category, found[n - 1]))
            else:
                columns.append(FilingColumn(category=category))
    return columns


def assemble_form(
    unit: Unit,
    columns: Sequence[FilingColumn],
    *,
    filing_date: dt.date,
    school: str,
    filler: str = "",
    reveal_contacts: bool,
) -> FilingForm:
    """Return the form of ``unit`` with ``columns``: the header lines from the unit's head and liaison."""
    header = (
        ("填报部门（签字、盖章）", unit.name),
        ("部门负责人", unit.head.name if unit.head else ""),
        ("填报人", unit.liaison.name if unit.liaison else filler),
        ("填报日期", chinese_date(filing_date)),
    )
    return FilingForm(
        school=school,
        unit_name=unit.name,
        filing_date=filing_date,
        header=header,
        columns=tuple(columns),
        contacts_masked=not reveal_contacts,
    )
