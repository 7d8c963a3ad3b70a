"""Approvals (审批) on file for a group: over-150, handover, retention, official group.

This is the record the registry checks consult; the full request workflow (draft →
submitted → approved → filed) builds on it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ApprovalKind(models.TextChoices):
    OVERSIZE = "oversize", "超150人建群审批（第三条第二款）"
    HANDOVER = "handover", "群主/管理员转交（第一条第二款）"
    RETENTION = "retention", "临时群保留（第三条第五款）"
    OFFICIAL = "official", "官方群登记（第三条第三款）"


class ApprovalState(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已提交"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "已驳回"
    FILED = "filed", "已备案"


EFFECTIVE_STATES = (ApprovalState.APPROVED, ApprovalState.FILED)


class Approval(models.Model):
    kind = models.CharField("类型", max_length=12, choices=ApprovalKind.choices)
    group = models.ForeignKey("registry.Group", on_delete=models.CASCADE, related_name="approvals")
    state = models.CharField(
        "状态", max_length=10, choices=ApprovalState.choices, default=ApprovalState.DRAFT
    )
    reason = models.TextField("理由", blank=True)
    approved_by = models.ForeignKey(
        "registry.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="批准人",
    )
    decided_on = models.DateField("批准日期", null=True, blank=True)
    max_members = models.PositiveIntegerField("批准人数上限", null=True, blank=True)
    valid_until = models.DateField("有效期至", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.group} · {self.get_state_display()}"
