"""The handling policy (处置策略) applied to a live message's findings: recall, warn, mute, notify.

* **recall** (撤回, ``delete_msg``): a finding whose policy action is ``recall`` with severity
  high or critical — personal data (2(4)) and secrets (2(3)) in the shipped policy;
* **warn** (群内提醒, ``send_group_msg``): a short message in the group, mentioning the sender
  and naming the rule, for any finding whose action is ``recall`` or ``warn`` — at most one a
  minute per member, so a burst of violations does not turn the bot into a flood itself;
* **mute** (禁言, ``set_group_ban``): when the sender's violations in that group within
  ``QUNGUAN_GATEWAY_WARN_WINDOW_HOURS`` reach ``QUNGUAN_GATEWAY_MUTE_AFTER``, unless still muted;
* **notice** (通知管理员): the group's admins are told through ``qunguan.notify`` for every
  finding whose action is not ``none``.

Only registered groups are acted on: in a group the registry lacks the messages are stored and
audited, and nothing is said or done there. Every action becomes a ``GatewayAction`` row tied to
its finding and one audit-log entry, in the transaction that stored the message.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from qunguan.accounts.models import Role, User
from qunguan.audit.finding import Severity
from qunguan.audit.labels import category_label
from qunguan.auditlog import log
from qunguan.auditlog.events import AuditEvent
from qunguan.chats.actions import auditor
from qunguan.chats.models import ChatMessage, Finding
from qunguan.chats.privacy import pseudonym
from qunguan.gateway.models import ActionKind, ActionStatus, GatewayAction
from qunguan.registry.models import Group, GroupStatus

if TYPE_CHECKING:
    from qunguan.gateway.handling import Call

logger = logging.getLogger("qunguan.gateway")

# The clause of the regulation (管理办法) each family of findings breaks, named in warnings.
_CLAUSES = {
    "privacy": "第二条第（四）项：不得在群内发布身份证号、家庭住址、电话号码、出生日期等个人信息",
    "secret": "第二条第（三）项：涉密信息不上网，不得发布涉密文件的标题、文号、内容",
    "porn": "第二条第（二）项：不得发布色情、暴力、低级趣味的内容",
    "violence": "第二条第（二）项：不得发布色情、暴力、低级趣味的内容",
    "vulgar": "第二条第（二）项：不得发布色情、暴力、低级趣味的内容",
}
_DEFAULT_CLAUSE = "第二条：群内只发布与工作相关的信息，不得发布违法违规及不当言论"
# A member warned in a group is not warned there again within this many seconds (a burst of
# violations gets one warning; each violation is still recorded and counts towards a mute).
WARN_COOLDOWN_SECONDS = 60
_NOTIFY_SEVERITY = {
    Severity.LOW: "low",
    Severity.MEDIUM: "medium",
    Severity.HIGH: "high",
    Severity.CRITICAL: "high",
}


def clause_for(category: str) -> str:
    """Return the rule (clause of the regulation) a finding of ``category`` breaks, in Chinese."""
    return _CLAUSES.get(category, _CLAUSES.get(category.split(".", 1)[0], _DEFAULT_CLAUSE))


def warning_text(category: str, *, recalled: bool) -> str:
    """Return the short warning posted in the group (after an @mention of the sender)."""
    done = "已被撤回" if recalled else "请注意"
    return f" 您的消息含有{category_label(category)}，{done}。依据《社交群组规范管理办法》{clause_for(category)}。"


def _as_int(value: str) -> int | str:
    return int(value) if value.isdigit() else value


def apply(
    self_id: str, message: ChatMessage, findings: list[Finding], *, sender_role: str = ""
) -> list[Call]:
    """Decide and record the handling of one stored live message; return the OneBot calls to send."""
    from qunguan.gateway.handling import Call

    group = message.group
    if group is None or group.status != GroupStatus.ACTIVE or not findings:
        return []
    policy = auditor().policy.for_group(message.group_account or None)
    ranked = sorted(findings, key=lambda f: (-f.severity, -f.score))
    acts = {f.pk: policy.action_for(f.category) for f in ranked}
    recall = next((f for f in ranked if acts[f.pk] == "recall" and f.severity >= Severity.HIGH), None)
    warn = recall or next((f for f in ranked if acts[f.pk] in ("recall", "warn")), None)
    notice = warn or next((f for f in ranked if acts[f.pk] == "notify"), None)
    calls: list[Call] = []
    group_id = _as_int(message.group_account)
    who = pseudonym(message)
    if recall is not None and message.message_id:
        reason = f"含有{category_label(recall.category)}"
        ahead = GatewayAction.objects.filter(
            kind=ActionKind.RECALL,
            group_account=message.group_account,
            message_ref=message.message_id,
            message__isnull=True,
        ).first()
        if ahead is not None:  # already sent by the fast path: tie it to what was stored
            ahead.message, ahead.finding, ahead.reason = message, recall, reason
            ahead.save(update_fields=["message", "finding", "reason"])
            action = ahead
        else:
            action = _record(
                self_id,
                message,
                recall,
                ActionKind.RECALL,
                "delete_msg",
                {"message_id": _as_int(message.message_id)},
                reason=reason,
            )
            calls.append(Call(self_id, action.api, action.params, action.pk))
        _log(
            AuditEvent.GATEWAY_MESSAGE_RECALLED,
            action,
            group,
            f"撤回群“{group.name}”中{who}的消息：{reason}（{recall.evidence}）",
        )
    if warn is not None:
        text = warning_text(warn.category, recalled=recall is not None)
        params = {
            "group_id": group_id,
            "message": [
                {"type": "at", "data": {"qq": str(message.sender_id)}},
                {"type": "text", "data": {"text": text}},
            ],
        }
        recently = _recent(ActionKind.WARN, message, dt.timedelta(seconds=WARN_COOLDOWN_SECONDS)).exclude(
            status=ActionStatus.SUPPRESSED
        )
        quiet = recently.exists()
        action = _record(
            self_id,
            message,
            warn,
            ActionKind.WARN,
            "send_group_msg",
            params,
            reason=clause_for(warn.category),
            status=ActionStatus.SUPPRESSED if quiet else ActionStatus.PLANNED,
        )
        if not quiet:  # one warning a minute per member is enough; every violation still counts
            _log(
                AuditEvent.GATEWAY_MEMBER_WARNED,
                action,
                group,
                f"在群“{group.name}”中提醒{who}：含有{category_label(warn.category)}",
            )
            calls.append(Call(self_id, action.api, action.params, action.pk))
        mute = _mute(self_id, message, warn, group, who, sender_role)
        if mute is not None:
            calls.append(mute)
    if notice is not None:
        _notify_admins(group, message, notice, acted=[c.api for c in calls])
    return calls


def _mute(
    self_id: str, message: ChatMessage, finding: Finding, group: Group, who: str, sender_role: str
) -> Call | None:
    from qunguan.gateway.handling import Call

    window = dt.timedelta(hours=settings.QUNGUAN_GATEWAY_WARN_WINDOW_HOURS)
    warnings = _recent(ActionKind.WARN, message, window).count()
    if warnings < settings.QUNGUAN_GATEWAY_MUTE_AFTER or sender_role in ("owner", "admin"):
        return None  # the platform refuses to mute its owner or admins; they are told instead
    minutes = settings.QUNGUAN_GATEWAY_MUTE_MINUTES
    if _recent(ActionKind.MUTE, message, dt.timedelta(minutes=minutes)).exists():
        return None  # still muted from an earlier violation
    action = _record(
        self_id,
        message,
        finding,
        ActionKind.MUTE,
        "set_group_ban",
        {
            "group_id": _as_int(message.group_account),
            "user_id": _as_int(message.sender_id),
            "duration": minutes * 60,
        },
        reason=f"{settings.QUNGUAN_GATEWAY_WARN_WINDOW_HOURS:g} 小时内第 {warnings} 次违规",
    )
    _log(
        AuditEvent.GATEWAY_MEMBER_MUTED,
        action,
        group,
        f"在群“{group.name}”中将{who}禁言 {minutes} 分钟：{action.reason}",
    )
    return Call(self_id, action.api, action.params, action.pk)


def _recent(kind: str, message: ChatMessage, within: dt.timedelta) -> QuerySet[GatewayAction]:
    """Return the ``kind`` actions on the sender of ``message`` in its group within the last ``within``."""
    return GatewayAction.objects.filter(
        kind=kind,
        group_account=message.group_account,
        user_id=message.sender_id,
        created_at__gte=timezone.now() - within,
    )


def _record(
    self_id: str,
    message: ChatMessage,
    finding: Finding,
    kind: str,
    api: str,
    params: dict[str, Any],
    *,
    reason: str,
    status: str = ActionStatus.PLANNED,
) -> GatewayAction:
    return GatewayAction.objects.create(
        status=status,
        kind=kind,
        api=api,
        params=params,
        self_id=self_id,
        group=message.group,
        group_account=message.group_account,
        user_id=message.sender_id,
        finding=finding,
        message=message,
        message_ref=message.message_id,
        reason=reason[:300],
    )


def _log(event: AuditEvent, action: GatewayAction, group: Group, summary: str) -> None:
    log.append(
        actor=None,
        event=event,
        obj=action,
        unit_path=group.unit.path,
        summary=summary,
        after={
            "api": action.api,
            "group": action.group_account,
            "finding": action.finding_id,
            "message": action.message_id,
            "reason": action.reason,
        },
    )


def group_admin_users(group: Group) -> list[User]:
    """Return the accounts of a group's admins: its registered admins and owner, and group-admin roles."""
    people = list(group.admins.values_list("pk", flat=True))
    if group.owner_id:
        people.append(group.owner_id)
    return list(
        User.objects.filter(
            Q(person__in=people) | Q(roles__role=Role.GROUP_ADMIN, roles__group=group), is_active=True
        ).distinct()
    )


def _notify_admins(group: Group, message: ChatMessage, finding: Finding, *, acted: list[str]) -> None:
    """Tell the group's admins privately (通知管理员) through the notification service."""
    from qunguan.notify.actions import do_notify

    done = []
    if "delete_msg" in acted:
        done.append("已自动撤回")
    if "set_group_ban" in acted:
        done.append("已禁言发送者")
    handled = "，".join(done) or "请及时处理"
    do_notify(
        group_admin_users(group),
        subject=f"群“{group.name}”出现{category_label(finding.category)}",
        body=(
            f"{pseudonym(message)}在群“{group.name}”发送的消息含有{category_label(finding.category)}"
            f"（{finding.evidence}），{handled}。{finding.explanation}"
        ),
        severity=_NOTIFY_SEVERITY.get(Severity(finding.severity), "low"),
        link=f"/review/{finding.pk}/",
        key=f"gateway-finding-{finding.pk}",
    )
