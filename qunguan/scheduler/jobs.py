"""Every scheduled job of qunguan, in one table. Each is idempotent: running it twice changes nothing twice.

Every job imports what it calls when it runs, so loading the table stays cheap. ``optional``
is for functions of optional extras (not installed everywhere): a missing one makes the job
"skipped" with a logged note, never a failure.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from typing import Any

from qunguan.scheduler.runner import Skip
from qunguan.scheduler.table import SHANGHAI, job


def optional(*paths: str) -> Callable[..., Any]:
    """Return the first importable function among ``"module:function"`` paths; raise Skip if none is."""
    for path in paths:
        module_name, _, name = path.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        fn = getattr(module, name, None)
        if callable(fn):
            return fn
    raise Skip(f"未安装：{'、'.join(p.replace(':', '.') for p in paths)}")


@job("campaign_reminders", every=dt.timedelta(hours=1), title="年度填报截止提醒（前一周、前一天、逾期）")
def campaign_reminders(now: dt.datetime) -> str:
    from qunguan.campaigns.reminders import do_send_deadline_reminders

    return f"发送提醒 {do_send_deadline_reminders(now=now)} 条"


@job("registry_checks", at="06:30", title="每日登记检查汇总")
def registry_checks(now: dt.datetime) -> str:
    from qunguan.registry.checks import run_checks
    from qunguan.registry.models import Group, GroupStatus
    from qunguan.scheduler.actions import do_record_check_summary

    day = now.astimezone(SHANGHAI).date()
    groups = Group.objects.exclude(status=GroupStatus.DISSOLVED)
    breaches = run_checks(groups, today=day)
    summary = do_record_check_summary(
        day=day, groups=groups.count(), kinds=[b.kind for b in breaches], now=now
    )
    from qunguan.approvals.handover import send_handover_notices

    # ownerless groups (1(2)): ask each unit to start a handover, once per group and person who left
    asked = send_handover_notices(today=day)
    return f"{summary.groups} 个群组，{summary.total} 个问题，转交提醒 {asked} 条"


@job("checks_cache", every=dt.timedelta(minutes=1), title="大型学校：预先计算登记检查结果")
def checks_cache(now: dt.datetime) -> str:
    from qunguan.web.breaches import refresh_school_breaches

    found = refresh_school_breaches(now.astimezone(SHANGHAI).date())
    return "学校规模较小，页面实时检查" if found is None else f"{found} 个问题"


@job("notify_digests", every=dt.timedelta(minutes=30), title="发送每日通知摘要")
def notify_digests(now: dt.datetime) -> str:
    from qunguan.notify.digests import send_digests

    return str(send_digests(now))


@job("temporary_group_reminders", at="08:30", title="临时群到期与逾期提醒")
def temporary_group_reminders(now: dt.datetime) -> str:
    from qunguan.campaigns import notices
    from qunguan.registry.checks import due_reminders as due
    from qunguan.registry.models import Unit

    today = now.astimezone(SHANGHAI).date()
    reminders = due(today)
    week = today.isocalendar()
    units = Unit.objects.in_bulk({r.unit_id for r in reminders})
    for r in reminders:
        if r.overdue:
            # once a week until the group is dissolved or kept by an approval
            key = f"temporary-{r.group_id}-{r.end_date}-overdue-{week.year}w{week.week}"
            subject = f"临时群“{r.group_name}”已过结束日期"
            body = f"临时群“{r.group_name}”的工作已于 {r.end_date:%Y-%m-%d} 结束，请解散该群，或申请保留并指定专人监管（第三条第五款）。"
        else:
            key = f"temporary-{r.group_id}-{r.end_date}-soon"
            subject = f"临时群“{r.group_name}”即将到期"
            body = f"临时群“{r.group_name}”将于 {r.end_date:%Y-%m-%d} 结束（还有 {r.days_left} 天），届时请解散或申请保留。"
        notices.notify(
            notices.liaisons(units[r.unit_id]),
            subject=subject,
            body=body,
            severity="high" if r.overdue else "medium",
            link=notices.link("group_detail", r.group_id),
            key=key,
        )
    return f"{len(reminders)} 个临时群"


@job("notify_deliveries", every=dt.timedelta(minutes=1), title="重试未送达的通知（邮件、企业微信、QQ）")
def notify_deliveries(now: dt.datetime) -> str:
    from qunguan.notify.delivery import deliver_due

    return str(deliver_due(now))


@job("notify_purge", at="03:40", title="按保留期限清除已读通知与发送记录")
def notify_purge(now: dt.datetime) -> str:
    from qunguan.notify.actions import do_purge_notifications

    counts = do_purge_notifications(now)
    return f"清除已读通知 {counts['notifications']} 条、发送记录 {counts['deliveries']} 条、汇总 {counts['digests']} 份"


@job("interrupted_imports", every=dt.timedelta(minutes=5), title="把意外中断的聊天记录导入标记为失败")
def interrupted_imports(now: dt.datetime) -> str:
    # Without it a batch cut off by a crash stayed "导入中" until someone ran ``qunguan import``
    # again; the check is per host and heartbeat, so imports still running anywhere are left alone.
    from qunguan.chats.actions import do_close_interrupted_imports

    return f"标记中断的导入 {do_close_interrupted_imports(None)} 个"


@job("search_index", every=dt.timedelta(minutes=10), title="把新导入的聊天记录加入检索索引")
def search_index(now: dt.datetime) -> str:
    from qunguan.chats.search import catch_up

    return f"新索引 {catch_up()} 条消息"


@job("retention_purge", at="03:30", title="按保留期限清除过期的聊天消息内容")
def retention_purge(now: dt.datetime) -> str:
    from qunguan.chats.retention import do_purge_expired_messages

    result = do_purge_expired_messages(now)
    if result.cutoff is None:
        return "未设置保留期限，消息永久保留"
    return f"清除 {result.messages} 条消息的内容"


@job("gateway_sync", every=dt.timedelta(hours=1), title="请机器人同步群列表与成员名单")
def gateway_sync(now: dt.datetime) -> str:
    from qunguan.gateway.sync_requests import do_request_sync

    return f"请求 {len(do_request_sync(now))} 个机器人同步"
