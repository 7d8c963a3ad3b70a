"""The filing campaign (年度填报): one campaign a year, one filing per unit, one entry per group.

Models hold data only; every change goes through ``qunguan.campaigns.actions``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models


class Campaign(models.Model):
    """A year's filing campaign, opened by the supervisor with a deadline (default 10 March)."""

    year = models.PositiveSmallIntegerField("年度", unique=True)
    deadline = models.DateField("截止日期", help_text="当天（北京时间）结束前提交即为按时")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField("发起时间")
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)

    class Meta:
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year}年度群组备案填报"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class FilingState(models.TextChoices):
    OPEN = "open", "待填报"
    SUBMITTED = "submitted", "已提交"
    RETURNED = "returned", "已退回"
    ACCEPTED = "accepted", "已通过"


# States in which the unit's liaison may still change the filing.
EDITABLE_STATES = (FilingState.OPEN, FilingState.RETURNED)


def scan_upload_to(instance: Filing, filename: str) -> str:
    # Under MEDIA_ROOT (the data directory's uploads/, outside the web root); the name is ours,
    # never the uploader's, so no upload can choose where it lands.
    ext = filename.rsplit(".", 1)[-1]
    return f"filing-scans/{instance.campaign.year}/unit-{instance.unit_id}/signed-form-r{instance.revision}.{ext}"


class Filing(models.Model):
    """One unit's answer to a campaign: its groups confirmed or corrected, and the signed form."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="filings")
    unit = models.ForeignKey("registry.Unit", on_delete=models.PROTECT, related_name="filings")
    state = models.CharField("状态", max_length=10, choices=FilingState.choices, default=FilingState.OPEN)
    comment = models.TextField("审核意见", blank=True)
    revision = models.PositiveIntegerField("提交次数", default=0)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    scan = models.FileField("签字盖章的登记表", upload_to=scan_upload_to, blank=True, max_length=200)
    scan_name = models.CharField("原文件名", max_length=200, blank=True)
    scan_type = models.CharField("文件类型", max_length=4, blank=True)
    scan_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["campaign", "unit__path"]
        constraints = [models.UniqueConstraint(fields=["campaign", "unit"], name="one_filing_per_unit")]

    def __str__(self) -> str:
        return f"{self.unit.name} {self.campaign.year}年度备案"

    @property
    def editable(self) -> bool:
        return self.state in EDITABLE_STATES


class EntryDecision(models.TextChoices):
    PENDING = "pending", "待核对"
    CONFIRMED = "confirmed", "已确认"
    CORRECTED = "corrected", "已更正"


# Fields a liaison may correct in the filing, with their labels (the annex's wording).
CORRECTABLE_FIELDS: dict[str, str] = {
    "name": "名称",
    "purpose": "主要功能或用途",
    "member_scope": "成员范围",
    "created_on": "创建时间",
    "member_count": "现有人数",
    "running_normally": "是否正常运行",
}


class FilingEntry(models.Model):
    """One group on a unit's filing: the registry row as it was when the campaign opened."""

    filing = models.ForeignKey(Filing, on_delete=models.CASCADE, related_name="entries")
    group = models.ForeignKey("registry.Group", on_delete=models.PROTECT, related_name="filing_entries")
    snapshot = models.JSONField("登记信息快照")
    corrections = models.JSONField("更正内容", default=dict, blank=True)
    decision = models.CharField(
        "核对结果", max_length=10, choices=EntryDecision.choices, default=EntryDecision.PENDING
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["filing", "pk"]
        constraints = [models.UniqueConstraint(fields=["filing", "group"], name="one_entry_per_group")]

    def __str__(self) -> str:
        return str(self.value("name"))

    def value(self, name: str) -> Any:
        """Return the field as the unit states it: the correction if any, else the snapshot."""
        if name in self.corrections:
            return self.corrections[name]
        return self.snapshot.get(name)


class ReminderKind(models.TextChoices):
    WEEK_BEFORE = "week_before", "截止前一周提醒"
    DAY_BEFORE = "day_before", "截止前一天提醒"
    OVERDUE = "overdue", "逾期提醒"


class FilingReminder(models.Model):
    """A deadline reminder sent for a filing; one of each kind, so sending twice sends nothing."""

    filing = models.ForeignKey(Filing, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=12, choices=ReminderKind.choices)
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["filing", "kind"], name="one_reminder_per_kind")]

    def __str__(self) -> str:
        return f"{self.filing} {self.get_kind_display()}"
