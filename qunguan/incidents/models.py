"""Account incidents (账号事件, 管理办法 3(6)): a QQ/WeChat account lost, stolen or lent.

The account is flagged in every group whose latest member list has it (a registry check reads
the open incidents), the groups' admins are told, and the incident keeps a state until closed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class IncidentPlatform(models.TextChoices):
    QQ = "qq", "QQ"
    WECHAT = "wechat", "微信"


class IncidentKind(models.TextChoices):
    LOST = "lost", "密码遗失"
    STOLEN = "stolen", "账号被盗"
    LENT = "lent", "账号出借"


class IncidentState(models.TextChoices):
    OPEN = "open", "待处理"
    HANDLING = "handling", "处理中"
    CLOSED = "closed", "已关闭"


class AccountIncident(models.Model):
    platform = models.CharField("平台", max_length=8, choices=IncidentPlatform.choices)
    account = models.CharField("QQ号/微信号", max_length=64, db_index=True)
    kind = models.CharField("情况", max_length=8, choices=IncidentKind.choices)
    description = models.TextField("经过", blank=True)
    state = models.CharField("状态", max_length=10, choices=IncidentState.choices, default=IncidentState.OPEN)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="报告人",
    )
    reported_at = models.DateTimeField("报告时间", auto_now_add=True)
    # The groups the account was found in when reported (the check re-reads the latest lists).
    groups = models.ManyToManyField("registry.Group", blank=True, related_name="+", verbose_name="涉及群组")
    resolution = models.TextField("处理结果", blank=True)
    closed_at = models.DateTimeField("关闭时间", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-reported_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_platform_display()} {self.account}（{self.get_kind_display()}）"
