"""What the scheduler remembers between runs: one row per job, and the daily registry summary."""

from __future__ import annotations

from django.db import models


class JobStatus(models.TextChoices):
    NEVER = "never", "未运行"
    OK = "ok", "成功"
    SKIPPED = "skipped", "已跳过"
    FAILED = "failed", "失败"


class JobState(models.Model):
    """A registered job's schedule and lease (租约).

    A runner takes the lease with one conditional UPDATE (due, and no lease or an expired one),
    which only one process can win on SQLite and PostgreSQL alike; the winner runs the job and
    gives the lease back with the next run time. A runner that dies leaves the lease to expire.
    """

    name = models.CharField("任务", max_length=64, primary_key=True)
    next_run_at = models.DateTimeField("下次运行")
    lease_owner = models.CharField(max_length=100, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_started_at = models.DateTimeField("上次开始", null=True, blank=True)
    last_finished_at = models.DateTimeField("上次结束", null=True, blank=True)
    last_status = models.CharField(
        "上次结果", max_length=8, choices=JobStatus.choices, default=JobStatus.NEVER
    )
    last_result = models.CharField("上次输出", max_length=300, blank=True)
    last_error = models.TextField("上次错误", blank=True)
    runs = models.PositiveIntegerField("运行次数", default=0)
    failures = models.PositiveIntegerField("连续失败次数", default=0)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CheckSummary(models.Model):
    """The registry checks of one day (Asia/Shanghai): how many breaches of each kind."""

    day = models.DateField("日期", unique=True)
    groups = models.PositiveIntegerField("群组数")
    total = models.PositiveIntegerField("问题总数")
    by_kind = models.JSONField("按规则统计", default=dict)
    recorded_at = models.DateTimeField("记录时间")

    class Meta:
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"{self.day} 登记检查：{self.total} 个问题"
