"""Notifications, their deliveries through channels, digests and each person's preferences."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Severity(models.TextChoices):
    LOW = "low", "一般"
    MEDIUM = "medium", "较重要"
    HIGH = "high", "紧急"


class Mode(models.TextChoices):
    IMMEDIATE = "immediate", "立即发送"
    DIGEST = "digest", "汇总发送"


class Notification(models.Model):
    """One message to one person; the row itself is the in-app inbox entry (站内信)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    subject = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    severity = models.CharField("紧急程度", max_length=8, choices=Severity.choices, default=Severity.LOW)
    link = models.CharField("链接", max_length=500, blank=True)
    # A caller's idempotency key: a second do_notify with the same key for the same person is a no-op.
    key = models.CharField("去重键", max_length=200, blank=True)
    mode = models.CharField("发送方式", max_length=10, choices=Mode.choices, default=Mode.IMMEDIATE)
    digest = models.ForeignKey(
        "notify.Digest", null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications"
    )
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "key"],
                condition=~models.Q(key=""),
                name="notify_unique_key_per_recipient",
            )
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notify_unread_idx")]

    def __str__(self) -> str:
        return f"{self.recipient} · {self.subject}"


class Digest(models.Model):
    """The notifications of one person gathered into one message for one day (汇总通知)."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField("日期")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["recipient", "day"], name="notify_one_digest_per_day")]

    def __str__(self) -> str:
        return f"{self.recipient} · {self.day}"


class DeliveryState(models.TextChoices):
    PENDING = "pending", "待发送"
    RETRYING = "retrying", "等待重试"
    WAITING_GATEWAY = "waiting_gateway", "等待QQ网关上线"
    SENT = "sent", "已发送"
    FAILED = "failed", "发送失败"
    SKIPPED = "skipped", "未发送（未设置地址）"


OPEN_STATES = (DeliveryState.PENDING, DeliveryState.RETRYING, DeliveryState.WAITING_GATEWAY)


class Delivery(models.Model):
    """One attempt-tracked sending of a notification or a digest through one channel."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField("渠道", max_length=16)
    notification = models.ForeignKey(
        Notification, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    digest = models.ForeignKey(
        Digest, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    address = models.CharField("地址", max_length=500, blank=True)
    state = models.CharField(
        "状态", max_length=16, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    error = models.CharField("错误", max_length=500, blank=True)
    next_attempt_at = models.DateTimeField("下次尝试", null=True, blank=True, db_index=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                name="notify_delivery_of_one_thing",
                condition=(
                    models.Q(notification__isnull=False, digest__isnull=True)
                    | models.Q(notification__isnull=True, digest__isnull=False)
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} · {self.get_state_display()}"


class Preference(models.Model):
    """How one person wants to be told (通知设置). No row means the defaults in ``prefs.py``."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notify_preference"
    )
    channels = models.JSONField("渠道", default=list)
    email = models.EmailField("接收邮箱", blank=True)
    wecom_webhook = models.URLField("企业微信群机器人地址", max_length=500, blank=True)
    qq = models.CharField("QQ号", max_length=16, blank=True)
    medium_immediate = models.BooleanField("较重要通知立即发送", default=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user} · {','.join(self.channels)}"
