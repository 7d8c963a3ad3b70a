"""Request and response shapes of the API (pydantic, through ninja.Schema).

Names follow the glossary in DESIGN.md: unit, group, person, owner, admin, breach, finding.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema
from pydantic import field_validator

# The largest page offset accepted: far beyond any school's lists, and within the 64-bit range the
# databases take for OFFSET (a bigger one made SQLite fail with "datatype mismatch").
MAX_OFFSET = 1_000_000_000

PlatformCode = Literal["qq", "wechat", "wecom"]
LiveStatus = Literal["active", "temporary"]  # "dissolved" only through POST /groups/{id}/dissolve
StatusCode = Literal["active", "temporary", "dissolved"]


class Ref(Schema):
    """A named reference to another object."""

    id: int
    name: str


# ---------------------------------------------------------------- units


class UnitNode(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    parent_id: int | None
    headcount: int
    children: list[UnitNode] = []


class UnitDetail(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    parent: Ref | None = Field(None, description="上级单位（仅当在您的可见范围内）")
    path: str
    headcount: int
    head: Ref | None = Field(None, description="负责人")
    liaison: Ref | None = Field(None, description="联络人")
    children: list[Ref]
    group_count: int = Field(description="本单位及下级单位的群组数（不含已解散）")


# ---------------------------------------------------------------- people


class PersonContact(Schema):
    """A person as shown next to a group: contacts masked unless the role needs them."""

    id: int
    name: str
    number: str
    phone: str = Field(description="手机号；无权查看个人信息的角色看到 138****8000")
    email: str
    masked: bool


class PersonOut(Schema):
    id: int
    number: str = Field(description="工号/学号")
    name: str
    kind: Literal["staff", "student"]
    kind_label: str
    unit: Ref
    phone: str
    email: str
    active: bool
    masked: bool = Field(description="联系方式是否已遮盖")


class PersonFilters(Schema):
    q: str | None = Field(None, description="姓名或工号/学号包含")
    unit: int | None = Field(None, description="单位 id（含下级单位）")
    kind: Literal["staff", "student"] | None = None
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class PersonPage(Schema):
    total: int
    limit: int
    offset: int
    items: list[PersonOut]


# ---------------------------------------------------------------- groups


class GroupOut(Schema):
    id: int
    platform: PlatformCode
    platform_label: str
    account: str = Field(description="群号/账号")
    name: str
    unit: Ref
    is_official: bool
    status: StatusCode
    status_label: str
    end_date: dt.date | None
    member_count: int
    running_normally: bool
    owner: Ref | None


class GroupDetail(GroupOut):
    member_scope: str
    purpose: str
    owner_contact: PersonContact | None = Field(description="创建者（群主）及联系方式")
    admins: list[PersonContact]
    created_on: dt.date | None
    dissolved_on: dt.date | None
    has_rules: bool = Field(description="是否已上传管理办法")
    notes: str
    registered_at: dt.datetime
    updated_at: dt.datetime


class GroupFilters(Schema):
    unit: int | None = Field(None, description="单位 id（含下级单位）")
    platform: PlatformCode | None = None
    status: StatusCode | None = Field(None, description="状态；不填时不含已解散的群（与网页一致）")
    official: bool | None = None
    q: str | None = Field(None, description="群名称或群号包含")
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class GroupPage(Schema):
    total: int
    limit: int
    offset: int
    items: list[GroupOut]


class GroupIn(Schema):
    """Registration of a group (登记群组), clause 1(1)."""

    platform: PlatformCode
    account: str = Field(min_length=1, max_length=64, description="群号/账号")
    name: str = Field(min_length=1, max_length=100)
    unit_id: int
    is_official: bool = False
    member_scope: str = Field("", max_length=200)
    purpose: str = Field("", max_length=300)
    owner_id: int | None = None
    admin_ids: list[int] = []
    created_on: dt.date | None = None
    member_count: int = Field(0, ge=0)
    status: LiveStatus = "active"
    end_date: dt.date | None = None
    running_normally: bool = True
    notes: str = ""


class GroupPatch(Schema):
    """The fields to change; those left out stay as they are."""

    platform: PlatformCode | None = None
    account: str | None = Field(None, min_length=1, max_length=64)
    name: str | None = Field(None, min_length=1, max_length=100)
    unit_id: int | None = None
    is_official: bool | None = None
    member_scope: str | None = Field(None, max_length=200)
    purpose: str | None = Field(None, max_length=300)
    owner_id: int | None = None
    admin_ids: list[int] | None = None
    created_on: dt.date | None = None
    member_count: int | None = Field(None, ge=0)
    status: LiveStatus | None = None
    end_date: dt.date | None = None
    running_normally: bool | None = None
    notes: str | None = None

    @field_validator(
        "platform",
        "account",
        "name",
        "unit_id",
        "is_official",
        "member_scope",
        "purpose",
        "admin_ids",
        "member_count",
        "status",
        "running_normally",
        "notes",
    )
    @classmethod
    def not_null(cls, value: object) -> object:
        """Leaving a field out keeps it; sending null is only allowed for owner, dates."""
        if value is None:
            raise ValueError("此字段不能为空（不修改请省略该字段）。")
        return value


class DissolveIn(Schema):
    on: dt.date | None = Field(None, description="解散日期，默认今天")
    reason: str = Field("", max_length=200)


class HistoryEntry(Schema):
    seq: int
    created: dt.datetime
    actor: str
    event: int
    event_name: str
    event_label: str
    summary: str
    before: dict[str, object] | None
    after: dict[str, object] | None


# ---------------------------------------------------------------- checks, audit, me


class BreachOut(Schema):
    kind: str
    clause: str = Field(description="管理办法条款，例如 3(2)")
    title: str
    group: Ref
    unit: Ref
    detail: str


class BreachList(Schema):
    total: int
    items: list[BreachOut]


class ScanIn(Schema):
    text: str = Field(min_length=1, max_length=50_000, description="待发布的文本")


class FindingOut(Schema):
    category: str
    rule: str
    severity: str
    start: int
    end: int
    evidence: str = Field(description="已遮盖的证据片段")
    score: float
    explanation: str


class ScanOut(Schema):
    findings: list[FindingOut]
    redacted: str = Field(description="遮盖了全部命中内容的文本")


class RoleOut(Schema):
    role: str
    role_label: str
    unit: Ref | None
    group: Ref | None


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    is_supervisor: bool
    person: Ref | None
    roles: list[RoleOut]


class TokenIn(Schema):
    name: str = Field(min_length=1, max_length=100)


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created: dt.datetime
    last_used: dt.datetime | None
    revoked: dt.datetime | None


class NewTokenOut(TokenOut):
    token: str = Field(description="令牌明文，只显示这一次")
