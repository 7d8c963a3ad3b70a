"""Unregistered groups (未登记群组): a group account seen in a chat export or by a bot that the
registry does not know.

One row per platform and account (or, for an export that names only the group, per platform and
name): when and how it was first and last seen, how many messages were stored for it, and the
unit it is attributed to — the unit of the unit manager whose import showed it, none when the
supervisor, the operator or the gateway saw it. Until a unit registers it or decides it is not a
work group, it is a breach of 1(1) (every work group is registered).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from qunguan.registry.models import Group, Platform, Unit


class SightingSource(models.TextChoices):
    IMPORT = "import", "聊天记录导入"
    GATEWAY = "gateway", "机器人同步"


class SightingStatus(models.TextChoices):
    OPEN = "open", "待处理"
    REGISTERED = "registered", "已登记"
    NOT_WORK = "not_work", "非工作群"


class UnregisteredGroup(models.Model):
    """A group account seen but not in the registry."""

    platform = models.CharField("平台", max_length=10, choices=Platform.choices)
    # The platform's group account; "" when the export named only the group.
    account = models.CharField("群号/账号", max_length=64, blank=True)
    name = models.CharField("群名称（所见）", max_length=100, blank=True)
    # Account, else "name:<name>": what makes two sightings the same group.
    key = models.CharField(max_length=120)
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    source = models.CharField("来源", max_length=10, choices=SightingSource.choices)
    first_seen = models.DateTimeField("首次发现")
    last_seen = models.DateTimeField("最近发现")
    message_count = models.PositiveIntegerField("消息数", default=0)
    last_batch = models.ForeignKey(
        "chats.ImportBatch", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    bot = models.CharField("机器人账号", max_length=32, blank=True)
    status = models.CharField(
        "状态", max_length=12, choices=SightingStatus.choices, default=SightingStatus.OPEN
    )
    reason = models.CharField("理由", max_length=300, blank=True)
    group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "未登记群组"
        constraints = [
            models.UniqueConstraint(fields=["platform", "key"], name="unregistered_group_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_platform_display()} {self.account or self.name}"

    @property
    def label(self) -> str:
        """The group as a person reads it: "名称（QQ 123456）"."""
        platform = self.get_platform_display()
        if self.account and self.name:
            return f"{self.name}（{platform} {self.account}）"
        if self.account:
            return f"{platform} {self.account}"
        return f"{self.name}（{platform}，无群号）"
