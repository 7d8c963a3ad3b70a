"""Approvals (审批) for a group: over-150, handover, retention, official group.

One state machine for every kind: draft → submitted → approved / rejected (with reason) →
filed; a rejected request can be revised and submitted again. Approved and filed requests
are "effective": the registry checks consult them. Comments and attachments (the signed and
stamped scan) hang off the request; the timeline is its audit-log entries.
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
# States in which the requesting unit may still change the request.
EDITABLE_STATES = (ApprovalState.DRAFT, ApprovalState.REJECTED)
OPEN_STATES = (ApprovalState.DRAFT, ApprovalState.SUBMITTED, ApprovalState.REJECTED)


def attachment_upload_to(instance: ApprovalAttachment, filename: str) -> str:
    return f"approvals/{instance.approval_id}/{filename}"


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
    # The workflow (审批流程): who signs, what changes, and when each step happened.
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="审批人（单位负责人）",
    )
    new_owner = models.ForeignKey(
        "registry.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="新群主",
    )
    new_admins = models.ManyToManyField(
        "registry.Person", blank=True, related_name="+", verbose_name="新管理员"
    )
    supervising_person = models.ForeignKey(
        "registry.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="专人监管",
    )
    reject_reason = models.TextField("驳回理由", blank=True)
    submissions = models.PositiveIntegerField("提交次数", default=0)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    filed_at = models.DateTimeField("备案时间", null=True, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="备案人",
    )
    updated_at = models.DateTimeField(auto_now=True, null=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.group} · {self.get_state_display()}"

    @property
    def is_effective(self) -> bool:
        return self.state in EFFECTIVE_STATES


class ApprovalComment(models.Model):
    """A comment on a request (审批意见/留言), by anyone who may see it."""

    approval = models.ForeignKey(Approval, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField("内容")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.author} · {self.body[:20]}"


class ApprovalAttachment(models.Model):
    """An attached file, typically the signed and stamped scan (签字盖章扫描件): PDF, JPG or PNG."""

    approval = models.ForeignKey(Approval, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField("文件", upload_to=attachment_upload_to)
    original_name = models.CharField("文件名", max_length=255)
    file_type = models.CharField("类型", max_length=8)
    size = models.PositiveIntegerField("大小（字节）")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name
