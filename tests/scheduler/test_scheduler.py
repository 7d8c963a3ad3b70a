"""The scheduler: due jobs run once, survive restarts, never run twice at once, retry after a crash."""

from __future__ import annotations

import datetime as dt
import io
import zoneinfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from qunguan.auditlog.events import AuditEvent
from qunguan.auditlog.models import AuditLogEntry
from qunguan.campaigns import actions as campaign_actions
from qunguan.notify.models import Notification
from qunguan.registry import actions as registry_actions
from qunguan.scheduler import jobs
from qunguan.scheduler.models import CheckSummary, JobState
from qunguan.scheduler.runner import run_due
from qunguan.scheduler.table import JOBS, JobTable

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def beijing(month: int, day: int, hour: int = 9, minute: int = 0, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def reminders_for(user) -> list[str]:
    return list(
        Notification.objects.filter(recipient=user, subject__contains="提醒")
        .order_by("pk")
        .values_list("subject", flat=True)
    )


# ---------------------------------------------------------------- the product's jobs


def test_the_scheduler_reminds_liaisons_a_week_before_the_day_before_and_when_overdue(cast):
    campaign_actions.do_open_campaign(cast.supervisor, year=2026, now=beijing(3, 1))
    tick = lambda when: run_due(when, only=["campaign_reminders"])  # noqa: E731

    tick(beijing(3, 1))
    assert reminders_for(cast.manager_a) == []
    tick(beijing(3, 3, 10))
    assert reminders_for(cast.manager_a) == ["2026年度群组备案填报截止前一周提醒"]
    tick(beijing(3, 3, 11))  # an hour later: nothing new
    assert len(reminders_for(cast.manager_a)) == 1
    tick(beijing(3, 9, 12))
    assert reminders_for(cast.manager_a)[-1] == "2026年度群组备案填报截止前一天提醒"

    # 作曲系 submits on the last day; only 声乐系 is told it is overdue
    filing = campaign_actions.do_confirm_remaining(cast.manager_a, campaign_filing(cast))
    campaign_actions.do_upload_scan(cast.manager_a, campaign_filing(cast), scan())
    campaign_actions.do_submit_filing(cast.manager_a, campaign_filing(cast), now=beijing(3, 10, 20))
    assert filing == 1
    tick(beijing(3, 11, 8))
    assert reminders_for(cast.manager_b)[-1] == "2026年度群组备案填报逾期提醒"
    assert "2026年度群组备案填报逾期提醒" not in reminders_for(cast.manager_a)
    assert AuditLogEntry.objects.filter(event_type=AuditEvent.FILING_REMINDERS_SENT).count() == 3


def test_a_moved_deadline_gets_its_own_reminders(cast):
    campaign = campaign_actions.do_open_campaign(cast.supervisor, year=2026, now=beijing(3, 1))
    tick = lambda when: run_due(when, only=["campaign_reminders"])  # noqa: E731
    tick(beijing(3, 9, 12))
    assert reminders_for(cast.manager_a) == ["2026年度群组备案填报截止前一天提醒"]

    # extended by two weeks on the day before: the unit is reminded again a week before the new date
    campaign_actions.do_change_deadline(cast.supervisor, campaign, deadline=dt.date(2026, 3, 24))
    tick(beijing(3, 10, 12))
    assert len(reminders_for(cast.manager_a)) == 1
    tick(beijing(3, 17, 12))
    tick(beijing(3, 23, 12))
    assert reminders_for(cast.manager_a) == [
        "2026年度群组备案填报截止前一天提醒",
        "2026年度群组备案填报截止前一周提醒",
        "2026年度群组备案填报截止前一天提醒",
    ]
    change = AuditLogEntry.objects.get(event_type=AuditEvent.CAMPAIGN_DEADLINE_CHANGED)
    assert change.after["reminders_reset"] == 2  # the day-before reminders of both units


def campaign_filing(cast):
    from qunguan.campaigns.models import Filing

    return Filing.objects.get(unit=cast.composition)


def scan():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("scan.pdf", b"%PDF-1.4\n%%EOF\n")


def test_the_daily_checks_summary_is_stored_once_a_day(cast):
    registry_actions.do_update_group(None, cast.group_b, member_count=180)  # over 150, and over 声乐系's 80
    jobs.registry_checks(beijing(3, 2, 6, 30))
    jobs.registry_checks(beijing(3, 2, 7, 30))
    summary = CheckSummary.objects.get()
    assert summary.day == dt.date(2026, 3, 2)
    assert summary.groups == 2
    assert summary.by_kind["oversize"] == 1
    assert AuditLogEntry.objects.filter(event_type=AuditEvent.SCHEDULER_CHECKS_SUMMARIZED).count() == 1


def test_temporary_groups_near_their_end_are_reminded_once(cast):
    registry_actions.do_register_group(
        cast.manager_a,
        platform="wechat",
        account="wx-kaoshi-2026",
        name="2026春季考试临时群",
        unit=cast.composition,
        status="temporary",
        end_date=dt.date(2026, 3, 5),
    )
    jobs.temporary_group_reminders(beijing(3, 2, 8, 30))
    jobs.temporary_group_reminders(beijing(3, 2, 9, 30))
    subjects = list(Notification.objects.filter(recipient=cast.manager_a).values_list("subject", flat=True))
    assert subjects == ["临时群“2026春季考试临时群”即将到期"]


def test_a_missing_optional_function_skips_the_job_with_a_note(db):
    table = JobTable()

    @table.job("needs_missing", every=dt.timedelta(hours=1))
    def needs_missing(now):
        return jobs.optional("qunguan.not_installed:do_it")()

    [outcome] = run_due(beijing(3, 1), jobs=table)
    assert (outcome.status, outcome.result) == ("skipped", "未安装：qunguan.not_installed.do_it")
    assert JobState.objects.get(name="needs_missing").last_status == "skipped"


def test_the_scheduler_retries_notifications_and_indexes_new_messages(cast):
    outcomes = run_due(beijing(3, 1), only=["notify_deliveries", "search_index"])
    assert [(o.name, o.status) for o in outcomes] == [("notify_deliveries", "ok"), ("search_index", "ok")]
    assert outcomes[1].result == "新索引 0 条消息"


def test_every_product_job_is_in_the_one_table():
    assert JOBS.names() == [
        "campaign_reminders",
        "registry_checks",
        "checks_cache",
        "notify_digests",
        "temporary_group_reminders",
        "notify_deliveries",
        "notify_purge",
        "interrupted_imports",
        "search_index",
        "retention_purge",
        "gateway_sync",
    ]


# ---------------------------------------------------------------- the runner


@pytest.fixture
def table():
    return JobTable()


def test_a_job_runs_when_due_and_its_next_run_survives_a_restart(db, table):
    runs = []
    table.job("hourly", every=dt.timedelta(hours=1))(runs.append)
    assert [o.status for o in run_due(beijing(3, 1, 9), jobs=table, owner="first")] == ["ok"]
    # a new process (another owner) half an hour later: not due yet
    assert run_due(beijing(3, 1, 9, 30), jobs=table, owner="after-restart") == []
    run_due(beijing(3, 1, 10), jobs=table, owner="after-restart")
    assert runs == [beijing(3, 1, 9), beijing(3, 1, 10)]
    assert JobState.objects.get(name="hourly").runs == 2


def test_a_job_does_not_run_twice_when_two_ticks_race(db, table):
    seen = []

    @table.job("exclusive", every=dt.timedelta(minutes=5))
    def exclusive(now):
        # a second tick starts while the first is still running this job
        seen.append(run_due(now, jobs=table, owner="second"))
        return "done"

    [first] = run_due(beijing(3, 1), jobs=table, owner="first")
    assert first.status == "ok"
    assert [o.status for o in seen[0]] == ["busy"]
    assert JobState.objects.get(name="exclusive").runs == 1


def test_a_crashed_job_is_retried_on_the_next_tick(db, table):
    attempts = []

    @table.job("flaky", at="06:30")
    def flaky(now):
        attempts.append(now)
        if len(attempts) == 1:
            raise ConnectionError("邮件服务器不可达")
        return "ok"

    run_due(beijing(3, 1, 5), jobs=table)  # registers; first due at 06:30
    [failed] = run_due(beijing(3, 1, 6, 31), jobs=table)
    assert failed.status == "failed"
    assert "ConnectionError: 邮件服务器不可达" in failed.result
    state = JobState.objects.get(name="flaky")
    assert (state.last_status, state.failures, state.lease_owner) == ("failed", 1, "")
    [logged] = AuditLogEntry.objects.filter(event_type=AuditEvent.SCHEDULER_JOB_FAILED)
    assert logged.summary == "定时任务“flaky”运行失败（连续第 1 次），下次检查时重试"

    [retried] = run_due(beijing(3, 1, 6, 32), jobs=table)
    assert retried.status == "ok"
    state.refresh_from_db()
    assert (state.last_status, state.failures) == ("ok", 0)
    assert state.next_run_at == beijing(3, 2, 6, 30)


def test_a_job_whose_runner_died_runs_again_once_the_lease_expires(db, table, settings):
    settings.QUNGUAN_SCHEDULER_LEASE_SECONDS = 900
    runs = []
    table.job("report", every=dt.timedelta(hours=1))(runs.append)
    run_due(beijing(3, 1, 9), jobs=table, owner="boot")
    # a runner takes the lease at 10:00 and dies without giving it back
    JobState.objects.filter(name="report").update(lease_owner="dead", lease_until=beijing(3, 1, 10, 15))
    assert [o.status for o in run_due(beijing(3, 1, 10, 5), jobs=table)] == ["busy"]
    assert [o.status for o in run_due(beijing(3, 1, 10, 16), jobs=table)] == ["ok"]
    assert len(runs) == 2


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (beijing(3, 1, 5), beijing(3, 1, 6, 30)),
        (beijing(3, 1, 6, 30), beijing(3, 2, 6, 30)),
        (dt.datetime(2026, 3, 1, 23, 0, tzinfo=dt.UTC), beijing(3, 3, 6, 30)),  # 07:00 on 2 March in Beijing
        (beijing(12, 31, 7), beijing(1, 1, 6, 30, year=2027)),
    ],
)
def test_daily_times_are_beijing_time(table, now, expected):
    table.job("daily", at="06:30")(print)
    assert table["daily"].next_run(now) == expected


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "give exactly one of every= or at="),
        ({"at": "6:30"}, "is not a time of day HH:MM"),
        ({"at": "24:00"}, "is not a time of day HH:MM"),
        ({"every": dt.timedelta(0)}, "every= must be positive"),
    ],
)
def test_bad_job_definitions_are_refused(table, kwargs, message):
    with pytest.raises(ValueError, match=message):
        table.job("bad", **kwargs)


def test_a_name_is_registered_once(table):
    table.job("once", every=dt.timedelta(hours=1))(print)
    with pytest.raises(ValueError, match="registered twice"):
        table.job("once", every=dt.timedelta(hours=1))(print)


# ---------------------------------------------------------------- the commands


def test_tick_runs_the_due_jobs_and_reports_them(cast):
    out = io.StringIO()
    call_command("tick", "--job", "campaign_reminders", "--now", "2026-03-01 09:00", stdout=out)
    assert out.getvalue() == "campaign_reminders：完成（发送提醒 0 条）\n"
    out = io.StringIO()
    call_command("tick", "--job", "campaign_reminders", "--now", "2026-03-01 09:10", stdout=out)
    assert out.getvalue() == "没有到期的任务。\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--job", "nope"],
            "未知任务：nope。可用任务：campaign_reminders、registry_checks、checks_cache、notify_digests、temporary_group_reminders、notify_deliveries、notify_purge、interrupted_imports、search_index、retention_purge、gateway_sync",
        ),
        (["--now", "3月1日"], "--now：“3月1日”不是时间（格式 YYYY-MM-DD HH:MM，北京时间）。"),
    ],
)
def test_tick_refuses_bad_arguments_in_chinese(db, args, message):
    with pytest.raises(CommandError) as exc:
        call_command("tick", *args)
    assert str(exc.value) == message


def test_scheduler_loop_runs_ticks_until_told_to_stop(db):
    out = io.StringIO()
    call_command("scheduler", "--interval", "1", "--max-ticks", "1", stdout=out)
    assert "定时任务已启动" in out.getvalue()
    assert "定时任务已停止。" in out.getvalue()
    assert JobState.objects.filter(name="campaign_reminders", runs=1).exists()
