"""Member-list snapshots (群成员名单) of registered groups and the real-name result of each member.

A snapshot is what one imported member list said on the day it was taken; snapshots are never
edited, so the history of who was in a group stays. The latest snapshot is what the checks read.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from qunguan.registry.models import Group, Person


class MemberFormat(models.TextChoices):
    ONEBOT = "onebot", "OneBot get_group_member_list"
    WECOM = "wecom", "企业微信 groupchat/get"
    CHATLOG = "chatlog", "chatlog 群聊成员"
    SHEET = "sheet", "CSV/XLSX 成员表"


class MemberRole(models.TextChoices):
    OWNER = "owner", "群主"
    ADMIN = "admin", "管理员"
    MEMBER = "member", "成员"


class MatchStatus(models.TextChoices):
    VERIFIED = "verified", "实名核验通过"
    AMBIGUOUS = "ambiguous", "无法确定（重名）"
    UNKNOWN = "unknown", "查无此人"
    OUT_OF_SCOPE = "out_of_scope", "不在成员范围"


class MemberSnapshot(models.Model):
    """One imported member list of one group, as it was at ``taken_at``."""

    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="member_snapshots")
    taken_at = models.DateTimeField("名单时间", db_index=True)
    source_format = models.CharField("格式", max_length=16, choices=MemberFormat.choices)
    file_name = models.CharField("文件名", max_length=255)
    member_count = models.PositiveIntegerField("人数")
    # The convention in force when the snapshot was matched: a later change of the group's
    # convention does not silently change what this snapshot's statuses meant.
    naming_convention = models.CharField("群名片规范", max_length=100, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="导入人",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "成员名单"
        ordering = ["group", "-taken_at", "-pk"]
        indexes = [models.Index(fields=["group", "-taken_at"])]

    def __str__(self) -> str:
        return f"{self.group.name} {self.taken_at:%Y-%m-%d}（{self.member_count} 人）"


class Member(models.Model):
    """One member of a group in one snapshot, with the real-name (实名) result."""

    snapshot = models.ForeignKey(MemberSnapshot, on_delete=models.CASCADE, related_name="members")
    platform_id = models.CharField("QQ号/微信号", max_length=64)
    nickname = models.CharField("昵称", max_length=100, blank=True)
    card = models.CharField("群名片", max_length=100, blank=True)
    role = models.CharField("角色", max_length=8, choices=MemberRole.choices, default=MemberRole.MEMBER)
    joined_at = models.DateTimeField("入群时间", null=True, blank=True)
    is_robot = models.BooleanField("机器人", default=False)
    status = models.CharField("实名核验", max_length=16, choices=MatchStatus.choices)
    person = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="memberships",
        verbose_name="花名册人员",
    )
    # Why the member is not verified, in words a group admin can act on. It names units and the
    # name on the card only, never roster numbers, so it can be shown to every role unmasked.
    reason = models.CharField("原因", max_length=200, blank=True)

    class Meta:
        verbose_name = "群成员"
        ordering = ["snapshot", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "platform_id"], name="unique_member_per_snapshot")
        ]

    def __str__(self) -> str:
        return f"{self.card or self.nickname}（{self.platform_id}）"
