"""The registry: the unit tree, the roster (花名册) and every work group (群组).

Models hold data only; every change goes through ``qunguan.registry.actions`` so that it
is validated, scoped and written to the audit log in one transaction.
"""

from __future__ import annotations

from django.db import models


class UnitKind(models.TextChoices):
    PARTY_COMMITTEE = "party_committee", "基层党委"
    GENERAL_PARTY_BRANCH = "general_party_branch", "党总支"
    PARTY_BRANCH = "party_branch", "直属党支部"
    OFFICE = "office", "部门"
    COLLEGE = "college", "院系"
    CLASS = "class", "班级"


class Unit(models.Model):
    """A node of the school's unit tree (基层党组织 / 部门 / 院系 / 班级).

    ``path`` is a materialised path such as ``/1/7/12/`` so that "this unit and everything
    below it" is one indexed prefix query on every database.
    """

    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=24, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name="上级单位",
    )
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    headcount = models.PositiveIntegerField(
        "人数", default=0, help_text="教职工或班级学生人数，用于核对群规模"
    )
    head = models.ForeignKey(
        "Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="负责人"
    )
    liaison = models.ForeignKey(
        "Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="联络人"
    )

    class Meta:
        ordering = ["path"]
        constraints = [models.UniqueConstraint(fields=["parent", "name"], name="unique_unit_name_per_parent")]

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        return max(self.path.count("/") - 2, 0)


class PersonKind(models.TextChoices):
    STAFF = "staff", "教职工"
    STUDENT = "student", "学生"


class Person(models.Model):
    """One person of the roster (花名册): staff or student, identified by their school number."""

    number = models.CharField("工号/学号", max_length=32, unique=True)
    name = models.CharField("姓名", max_length=64)
    kind = models.CharField("类别", max_length=10, choices=PersonKind.choices)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="people", verbose_name="单位/班级")
    phone = models.CharField("联系电话", max_length=32, blank=True)
    email = models.EmailField("邮箱", blank=True)
    active = models.BooleanField("在校/在岗", default=True)

    class Meta:
        ordering = ["unit__path", "number"]

    def __str__(self) -> str:
        return f"{self.name}（{self.number}）"


class Platform(models.TextChoices):
    QQ = "qq", "QQ群"
    WECHAT = "wechat", "微信群"
    WECOM = "wecom", "企业微信群"


class GroupStatus(models.TextChoices):
    ACTIVE = "active", "长期"
    TEMPORARY = "temporary", "临时"
    DISSOLVED = "dissolved", "已解散"


def rules_upload_to(instance: Group, filename: str) -> str:
    return f"group-rules/{instance.platform}-{instance.account}/{filename}"


def dissolution_upload_to(instance: Group, filename: str) -> str:
    return f"group-dissolutions/{instance.platform}-{instance.account}/{filename}"


class Group(models.Model):
    """A registered work group (工作群). "谁建群、谁管理": the owner answers for it."""

    platform = models.CharField("平台", max_length=10, choices=Platform.choices)
    account = models.CharField("群号/账号", max_length=64)
    name = models.CharField("群名称", max_length=100)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="groups", verbose_name="所属单位")
    is_official = models.BooleanField(
        "官方群", default=False, help_text="每个单位原则上只建一个官方群（第三条第三款）"
    )
    member_scope = models.CharField("成员范围", max_length=200, blank=True)
    purpose = models.CharField("主要功能或用途", max_length=300, blank=True)
    owner = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_groups",
        verbose_name="创建者（群主）",
    )
    admins = models.ManyToManyField(
        Person, blank=True, related_name="administered_groups", verbose_name="管理员"
    )
    created_on = models.DateField("创建时间", null=True, blank=True)
    member_count = models.PositiveIntegerField("现有人数", default=0)
    status = models.CharField("状态", max_length=10, choices=GroupStatus.choices, default=GroupStatus.ACTIVE)
    end_date = models.DateField("结束日期", null=True, blank=True, help_text="临时群的工作结束日期")
    dissolved_on = models.DateField("解散日期", null=True, blank=True)
    # What proves the dissolution (解散证明): a screenshot or notice, kept outside the web root.
    dissolution_evidence = models.FileField("解散证明", upload_to=dissolution_upload_to, blank=True)
    running_normally = models.BooleanField("是否正常运行", default=True)
    rules_document = models.FileField("管理办法", upload_to=rules_upload_to, blank=True)
    notes = models.TextField("备注", blank=True)
    naming_convention = models.CharField(
        "群名片规范",
        max_length=100,
        default="{姓名}",
        help_text="成员群名片的命名规范，用于实名核验（第一条第三款），如 {班级}-{姓名}、{学号}{姓名}、{姓名}-{单位}",
    )
    registered_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["unit__path", "platform", "name"]
        constraints = [models.UniqueConstraint(fields=["platform", "account"], name="unique_group_account")]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_platform_display()} {self.account}）"

    @property
    def has_rules(self) -> bool:
        return bool(self.rules_document)
