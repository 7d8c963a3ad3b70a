"""Stored chat messages, the import batches that brought them, and the audit findings on them.

A message is stored once however often it is imported: ``fingerprint`` (the platform message
id when the export has one, else time + sender + text, see ``ChatRecord.fingerprint``) is unique.
A message of a group the registry does not know keeps ``group = None`` with the platform
account and name it came with; those are the "unregistered groups" a supervisor must see.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from qunguan.registry.models import Group, Platform


class ImportState(models.TextChoices):
    RUNNING = "running", "导入中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


class ImportBatch(models.Model):
    """One run of ``qunguan import`` (or an upload) over one file."""

    file_name = models.CharField("文件名", max_length=255)
    file_sha256 = models.CharField(max_length=64)
    file_size = models.BigIntegerField(default=0)
    format = models.CharField("格式", max_length=32)
    group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=ImportState.choices, default=ImportState.RUNNING)
    read = models.PositiveIntegerField("读取", default=0)
    stored = models.PositiveIntegerField("新存入", default=0)
    duplicates = models.PositiveIntegerField("重复跳过", default=0)
    rejected = models.PositiveIntegerField("无法读取", default=0)
    findings = models.PositiveIntegerField("审查发现", default=0)
    rejects_file = models.CharField(max_length=500, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = "导入批次"

    def __str__(self) -> str:
        return f"#{self.pk} {self.file_name}"


class MessageKind(models.TextChoices):
    TEXT = "text", "文字"
    IMAGE = "image", "图片"
    FILE = "file", "文件"
    VOICE = "voice", "语音"
    VIDEO = "video", "视频"
    STICKER = "sticker", "表情"
    LINK = "link", "链接"
    SYSTEM = "system", "系统消息"
    RECALL = "recall", "撤回"
    OTHER = "other", "其他"


class ChatMessage(models.Model):
    """One message in a group."""

    group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.PROTECT, related_name="messages")
    platform = models.CharField(max_length=10, choices=Platform.choices)
    group_account = models.CharField(max_length=64, blank=True)
    group_name = models.CharField(max_length=100, blank=True)
    fingerprint = models.CharField(max_length=32, unique=True)
    message_id = models.CharField(max_length=64, blank=True)
    sender_id = models.CharField(max_length=64, blank=True)
    sender_name = models.CharField(max_length=100, blank=True)
    sent_at = models.DateTimeField()
    kind = models.CharField(max_length=10, choices=MessageKind.choices, default=MessageKind.TEXT)
    text = models.TextField(blank=True)
    recalled = models.BooleanField(default=False)
    batch = models.ForeignKey(ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = "聊天消息"
        indexes = [
            models.Index(fields=["group", "sent_at"]),
            models.Index(fields=["platform", "group_account"]),
        ]

    def __str__(self) -> str:
        return f"{self.sent_at:%Y-%m-%d %H:%M} {self.sender_name}: {self.text[:30]}"


class FindingStatus(models.TextChoices):
    OPEN = "open", "待处理"
    CONFIRMED = "confirmed", "已确认"
    DISMISSED = "dismissed", "误报"
    ESCALATED = "escalated", "已上报"


class Finding(models.Model):
    """What the audit engine found in one message (the fields of ``qunguan.audit.Finding``)."""

    message = models.ForeignKey(ChatMessage, on_delete=models.CASCADE, related_name="findings")
    # Denormalised from the message so that scoping a queue by unit needs no extra join.
    group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.PROTECT, related_name="findings")
    category = models.CharField(max_length=40)
    rule = models.CharField(max_length=80)
    severity = models.PositiveSmallIntegerField()
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    evidence = models.CharField(max_length=200)
    score = models.FloatField()
    explanation = models.CharField(max_length=300)
    status = models.CharField(
        "状态", max_length=10, choices=FindingStatus.choices, default=FindingStatus.OPEN
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Who made the current decision and when; cleared when the finding is reopened (the audit
    # log keeps every earlier decision, so the row only needs the one in force).
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="处理人",
    )
    handled_at = models.DateTimeField("处理时间", null=True, blank=True)
    note = models.TextField("处理说明", blank=True)

    class Meta:
        verbose_name = "审查发现"
        indexes = [
            models.Index(fields=["group", "status", "severity"]),
            models.Index(fields=["category"]),
            # The review queue's default view: open findings, most severe first.
            models.Index(fields=["status", "severity"]),
        ]

    def __str__(self) -> str:
        return f"{self.category} {self.evidence}"
