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
    # Who is running the import and whether it is alive: the host name and process id of the
    # importing process, and the time it last stored a batch. Several hosts (or the web upload
    # and the command) may import at once, so a "running" batch is closed as interrupted only
    # when its heartbeat is stale, or when it is this host's and its process is gone.
    host = models.CharField("主机", max_length=255, blank=True)
    pid = models.PositiveIntegerField("进程号", null=True, blank=True)
    heartbeat_at = models.DateTimeField("最近心跳", null=True, blank=True)

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

    # No index of its own: the (group, sent_at) index below serves every lookup by group, and one
    # index fewer is one B-tree write fewer for each of the millions of imported messages.
    group = models.ForeignKey(
        Group, null=True, blank=True, on_delete=models.PROTECT, related_name="messages", db_index=False
    )
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
    # When the retention purge (chats.retention) emptied ``text``; None while the text is kept.
    purged_at = models.DateTimeField("内容清除时间", null=True, blank=True)

    class Meta:
        verbose_name = "聊天消息"
        indexes = [
            models.Index(fields=["group", "sent_at"]),
            # Only the messages of no registered group: registering such a group finds its
            # messages by account (``unregistered.actions``), and the millions of bound ones
            # then cost an import no write to this index.
            models.Index(
                fields=["platform", "group_account"],
                condition=models.Q(group__isnull=True),
                name="chats_message_unbound_account",
            ),
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
    # Denormalised from the message so that scoping a queue by unit needs no extra join. No
    # index of its own: the two queue indexes below begin with it and serve every lookup by group
    # (an import writes one index entry less per finding).
    group = models.ForeignKey(
        Group, null=True, blank=True, on_delete=models.PROTECT, related_name="findings", db_index=False
    )
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
    # Copied from the message (which never changes its time): the review queue sorts by it, and
    # with it here that sort is read off an index instead of joining every open finding to its
    # message (10 million messages in a large school).
    sent_at = models.DateTimeField("发送时间")
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
        db_index=False,  # (indexed below for the handled findings only)
    )
    handled_at = models.DateTimeField("处理时间", null=True, blank=True)
    note = models.TextField("处理说明", blank=True)

    class Meta:
        verbose_name = "审查发现"
        indexes = [
            # A unit's queue: its groups' open findings, read with their sort key from the index
            # alone (the sort itself is over the scope's open findings only).
            models.Index(
                fields=["group", "status", "severity", "sent_at", "id"], name="chats_finding_group_queue"
            ),
            # The queue filtered by category (and severity), in the queue's order.
            models.Index(
                fields=["category", "severity", "sent_at", "id"], name="chats_finding_category_queue"
            ),
            # A unit's queue filtered by category: without it the database walks the unit's
            # findings of every category (10 ms at 10 million messages) to fill one page.
            models.Index(
                fields=["group", "category", "severity", "sent_at", "id"],
                name="chats_finding_group_category",
            ),
            # The review queue's default view: open findings, most severe first, then newest —
            # its whole order, so a page is read off the index (backwards) without a sort.
            models.Index(fields=["status", "severity", "sent_at", "id"], name="chats_finding_queue"),
            # Who handled what, for deleting a user (``SET_NULL``): only handled findings have a
            # handler, so the findings an import writes (all open) take no entry in it.
            models.Index(
                fields=["handled_by"],
                condition=models.Q(handled_by__isnull=False),
                name="chats_finding_handled_by",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category} {self.evidence}"


class AllowListKind(models.TextChoices):
    PHRASE = "phrase", "短语"
    SENDER_RULE = "sender_rule", "发送者 + 规则"


class AllowListEntry(models.Model):
    """A phrase, or a sender and rule, that later imports and scans no longer report (白名单).

    ``unit`` is where it holds (its subtree); ``None`` is school-wide, which only the supervisor
    decides. A phrase entry drops a finding whose span lies inside an occurrence of the phrase;
    a sender + rule entry drops the findings of that rule on that sender's messages.
    """

    kind = models.CharField("类型", max_length=12, choices=AllowListKind.choices)
    unit = models.ForeignKey(
        "registry.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="适用单位",
    )
    phrase = models.CharField("短语", max_length=200, blank=True)
    platform = models.CharField(max_length=10, blank=True)
    sender_id = models.CharField(max_length=64, blank=True)
    sender_name = models.CharField(max_length=100, blank=True)
    rule = models.CharField("规则", max_length=80, blank=True)
    category = models.CharField("类别", max_length=40, blank=True)
    reason = models.CharField("原因", max_length=300, blank=True)
    source_finding = models.ForeignKey(
        Finding, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = "白名单条目"

    def __str__(self) -> str:
        return self.phrase or f"{self.sender_name or self.sender_id} · {self.rule}"


class WarningStatus(models.TextChoices):
    PENDING = "pending", "待发送"
    SENT = "sent", "已发送"
    FAILED = "failed", "发送失败"


class SenderWarning(models.Model):
    """A warning (警告) to the sender of a finding; the bot gateway delivers the pending ones."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="warnings")
    group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    platform = models.CharField(max_length=10)
    sender_id = models.CharField(max_length=64, blank=True)
    sender_name = models.CharField(max_length=100, blank=True)
    text = models.CharField("警告内容", max_length=500)
    status = models.CharField(
        "发送状态", max_length=10, choices=WarningStatus.choices, default=WarningStatus.PENDING
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    delivery_error = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = "警告"
        indexes = [
            models.Index(fields=["platform", "sender_id", "created_at"]),
            models.Index(fields=["status"]),
        ]

    def __str__(self) -> str:
        return f"警告 #{self.pk}"


class CaseState(models.TextChoices):
    OPEN = "open", "已立案"
    HANDLING = "handling", "处理中"
    CLOSED = "closed", "已结案"


class CaseOutcome(models.TextChoices):
    EDUCATION = "education", "批评教育"
    ESCALATION = "escalation", "上报处理"
    ACCOUNTABILITY = "accountability", "依规追责"
    NO_ACTION = "no_action", "不予处理"


class Case(models.Model):
    """A case (个案) about one person's breaches, clause 4(3): 批评教育，情节严重依规处理."""

    platform = models.CharField(max_length=10)
    sender_id = models.CharField(max_length=64, blank=True)
    sender_name = models.CharField(max_length=100, blank=True)
    person = models.ForeignKey(
        "registry.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="cases"
    )
    unit = models.ForeignKey(
        "registry.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="责任单位"
    )
    group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    title = models.CharField("案由", max_length=200)
    state = models.CharField("状态", max_length=10, choices=CaseState.choices, default=CaseState.OPEN)
    outcome = models.CharField("处理结果", max_length=16, choices=CaseOutcome.choices, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField(auto_now_add=True)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="经办人",
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    findings = models.ManyToManyField(Finding, related_name="cases", blank=True)

    class Meta:
        verbose_name = "个案"
        indexes = [models.Index(fields=["platform", "sender_id", "state"]), models.Index(fields=["state"])]

    def __str__(self) -> str:
        return f"个案 #{self.pk} {self.title}"


class CaseEntryKind(models.TextChoices):
    NOTE = "note", "备注"
    EDUCATION = "education", "批评教育"
    ESCALATION = "escalation", "上报"
    STATE = "state", "状态变更"
    FINDING = "finding", "关联审查发现"


class CaseEntry(models.Model):
    """One line of a case's record: a note, an education talk, an escalation, a state change."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="entries")
    kind = models.CharField(max_length=10, choices=CaseEntryKind.choices)
    text = models.TextField(blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "个案记录"
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.text[:30]}"
