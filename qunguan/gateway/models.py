"""What the gateway keeps: received events (the inbox), actions sent to a bot, join decisions.

The inbox is written before an event is handled, so an event received is never lost: a crash
or restart leaves it ``pending`` and the next start handles it. Handling is idempotent (the
chat message is stored once by its fingerprint, and an event already ``done`` is skipped).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from qunguan.chats.models import ChatMessage, Finding
from qunguan.registry.models import Group, Person


class InboxState(models.TextChoices):
    PENDING = "pending", "待处理"
    DONE = "done", "已处理"
    FAILED = "failed", "处理失败"


class InboxEvent(models.Model):
    """One OneBot event as received, before anything else is done with it."""

    self_id = models.CharField("机器人QQ", max_length=20)
    post_type = models.CharField(max_length=20, blank=True)
    detail_type = models.CharField(max_length=40, blank=True)  # message_type / notice_type / request_type
    group_account = models.CharField(max_length=20, blank=True)
    payload = models.TextField()  # the event's JSON exactly as received
    received_at = models.DateTimeField(auto_now_add=True)
    state = models.CharField(max_length=10, choices=InboxState.choices, default=InboxState.PENDING)
    handled_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = "网关收到的事件"
        indexes = [models.Index(fields=["state", "id"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.self_id} {self.post_type}/{self.detail_type}"


class ActionKind(models.TextChoices):
    RECALL = "recall", "撤回"
    WARN = "warn", "群内提醒"
    MUTE = "mute", "禁言"
    NOTICE = "notice", "通知管理员"
    JOIN = "join", "处理加群申请"
    KICK = "kick", "移出群"
    ANNOUNCE = "announce", "发布群公告"
    CARD = "card", "设置群名片"
    SYNC = "sync", "同步"
    OTHER = "other", "其他"


class ActionStatus(models.TextChoices):
    PLANNED = "planned", "待发送"
    OK = "ok", "成功"
    FAILED = "failed", "失败"
    TIMEOUT = "timeout", "超时"
    NO_BOT = "no_bot", "机器人未连接"
    SUPPRESSED = "suppressed", "未发送（一分钟内已提醒）"
    QUEUED = "queued", "排队等待网关发送"
    CANCELLED = "cancelled", "已取消"


class GatewayAction(models.Model):
    """One OneBot action the gateway decided on (撤回、提醒、禁言 …) and how the bot answered."""

    kind = models.CharField("处置", max_length=10, choices=ActionKind.choices)
    api = models.CharField("OneBot 接口", max_length=40)
    params = models.JSONField(default=dict)
    self_id = models.CharField("机器人QQ", max_length=20)
    group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    group_account = models.CharField(max_length=20, blank=True)
    user_id = models.CharField("对象QQ", max_length=20, blank=True)
    finding = models.ForeignKey(
        Finding, null=True, blank=True, on_delete=models.SET_NULL, related_name="gateway_actions"
    )
    message = models.ForeignKey(
        ChatMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The platform id of the message acted on: a recall sent ahead of storing (the fast path)
    # is found by it and tied to its message and finding once they are stored.
    message_ref = models.CharField(max_length=64, blank=True)
    sanction = models.ForeignKey(
        "Sanction", null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    reason = models.CharField("原因", max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=ActionStatus.choices, default=ActionStatus.PLANNED)
    retcode = models.IntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "网关处置"
        indexes = [
            models.Index(fields=["kind", "group_account", "user_id", "created_at"]),
            models.Index(fields=["group_account", "message_ref"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.group_account}/{self.user_id} {self.status}"


class JoinOutcome(models.TextChoices):
    APPROVE = "approve", "同意"
    REJECT = "reject", "拒绝"
    HOLD = "hold", "待管理员处理"


class JoinDecision(models.Model):
    """A join request (加群申请, 管理办法 1(3) 实名准入) and what the roster check decided."""

    self_id = models.CharField("机器人QQ", max_length=20)
    group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    group_account = models.CharField(max_length=20)
    user_id = models.CharField("申请人QQ", max_length=20)
    comment = models.CharField("验证信息", max_length=300, blank=True)
    flag = models.CharField(max_length=200)
    outcome = models.CharField("结果", max_length=10, choices=JoinOutcome.choices)
    reason = models.CharField("原因", max_length=300)
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "加群申请"

    def __str__(self) -> str:
        return f"{self.group_account} {self.user_id} {self.outcome}"


class BotGroup(models.Model):
    """A QQ group a bot account sits in, as the last sync saw it (registered or not)."""

    self_id = models.CharField("机器人QQ", max_length=20)
    account = models.CharField("群号", max_length=20)
    name = models.CharField("群名称", max_length=100, blank=True)
    member_count = models.PositiveIntegerField("现有人数", default=0)
    group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    last_activity = models.DateTimeField("最后发言时间", null=True, blank=True)
    synced_at = models.DateTimeField("同步时间")

    class Meta:
        verbose_name = "机器人所在的群"
        constraints = [models.UniqueConstraint(fields=["self_id", "account"], name="gateway_botgroup_unique")]

    def __str__(self) -> str:
        return f"{self.account} {self.name}"


class SanctionKind(models.TextChoices):
    MUTE = "mute", "全校禁言"
    KICK = "kick", "移出所有群"


class Sanction(models.Model):
    """A school-wide sanction (一处违规，全校联动) on one QQ account, in every group the bots manage."""

    qq = models.CharField("QQ号", max_length=20, db_index=True)
    kind = models.CharField("措施", max_length=10, choices=SanctionKind.choices)
    minutes = models.PositiveIntegerField("禁言分钟数", default=0)
    reason = models.CharField("理由", max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="决定人",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    lifted_at = models.DateTimeField("解除时间", null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="解除人",
    )
    lift_reason = models.CharField("解除理由", max_length=300, blank=True)

    class Meta:
        verbose_name = "全校联动处置"

    def __str__(self) -> str:
        return f"{self.qq} {self.get_kind_display()}"


class BotAccount(models.Model):
    """A bot QQ account the gateway has seen (机器人账号): whether it is connected and when last heard.

    The running gateway writes it (``presence``); the web pages, in another process, read it.
    """

    self_id = models.CharField("机器人QQ", max_length=20, unique=True)
    transport = models.CharField("连接方式", max_length=20, blank=True)
    connected = models.BooleanField("已连接", default=False)
    connected_at = models.DateTimeField("连接时间", null=True, blank=True)
    disconnected_at = models.DateTimeField("断开时间", null=True, blank=True)
    last_seen = models.DateTimeField("最后联系时间", null=True, blank=True)

    class Meta:
        verbose_name = "机器人账号"

    def __str__(self) -> str:
        return self.self_id
