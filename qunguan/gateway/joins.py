"""Join requests (加群申请, 管理办法 1(3) 实名准入): checked against the roster and the group's scope.

The comment an applicant writes (验证信息, e.g. ``2023010101 张小明`` or NapCat's
``问题：…\\n答案：…``) is read for a 学号/工号 and a name:

* the number belongs to an active roster person of the group's unit subtree and the name (when
  given) matches → **approve**;
* the number belongs to someone else's name, to a person who has left, or to a person outside
  the group's member scope → **reject** with the reason (the applicant sees it);
* no number in the comment → **reject**, asking for 学号/工号 and name;
* a number the roster lacks → **hold** for an admin (or reject, ``QUNGUAN_GATEWAY_JOIN_UNKNOWN``).

The decision goes to the bot with ``set_group_add_request``; a held request waits for an admin
in QQ, and the group's admins are told. Each decision is a ``JoinDecision`` and one audit entry.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django.conf import settings

from qunguan.auditlog import log
from qunguan.auditlog.events import AuditEvent
from qunguan.gateway.models import ActionKind, GatewayAction, JoinDecision, JoinOutcome, Sanction
from qunguan.gateway.protocol import account
from qunguan.registry.models import Group, GroupStatus, Person

if TYPE_CHECKING:
    from qunguan.gateway.handling import Call

_NUMBER = re.compile(r"(?<![0-9A-Za-z])([A-Za-z]?\d{4,19})(?![0-9A-Za-z])")
_CJK = re.compile(r"[\u4e00-\u9fff·]{2,}")
_ANSWER = re.compile(r"答案[:：]")
# Words of questions and greetings, removed before looking for a name.
_FILLER = re.compile(
    r"问题|答案|学号|工号|姓名|名字|老师|同学|你好|您好|我是|我叫|申请|加群|入群|班级|谢谢|请|的"
)


def read_comment(comment: str) -> tuple[str | None, str]:
    """Return the 学号/工号 an applicant wrote (None when none) and the answer text to find the name in."""
    parts = _ANSWER.split(comment)
    text = parts[-1] if len(parts) > 1 else comment
    number_match = _NUMBER.search(text)
    return (number_match.group(1).upper() if number_match else None), text


def _names_in(text: str) -> list[str]:
    return _CJK.findall(_FILLER.sub(" ", text))


def judge(group: Group | None, comment: str, user_id: str = "") -> tuple[str, str, Person | None]:
    """Return ``(outcome, reason, person)`` for ``user_id``'s request to join ``group`` with ``comment``."""
    if user_id and Sanction.objects.filter(qq=user_id, lifted_at__isnull=True).exists():
        return JoinOutcome.REJECT, "该账号已被学校限制加入工作群", None
    if group is None:
        return JoinOutcome.HOLD, "该群未在群管系统登记，请管理员人工审核", None
    number, text = read_comment(comment)
    if number is None:
        return JoinOutcome.REJECT, "请在验证信息中填写学号或工号和姓名，例如：2023010101 张三", None
    person = Person.objects.select_related("unit").filter(number__iexact=number).first()
    if person is None:
        outcome = (
            JoinOutcome.REJECT if settings.QUNGUAN_GATEWAY_JOIN_UNKNOWN == "reject" else JoinOutcome.HOLD
        )
        return outcome, f"学号/工号 {number} 不在花名册中", None
    if person.name not in text:
        if not _names_in(text):
            return JoinOutcome.REJECT, "请在验证信息中同时填写姓名", person
        return JoinOutcome.REJECT, f"学号/工号 {number} 与姓名不符", person
    if not person.active:
        return JoinOutcome.REJECT, f"学号/工号 {number} 对应人员已不在校（在岗）", person
    if not person.unit.path.startswith(group.unit.path):
        return JoinOutcome.REJECT, f"不在本群成员范围内（{group.member_scope or group.unit.name}）", person
    return JoinOutcome.APPROVE, f"花名册核验通过：{person.unit.name}", person


def decide(self_id: str, event: dict[str, Any]) -> list[Call]:
    """Decide one ``request``/``group``/``add`` event; record it; return the call to answer it."""
    from qunguan.gateway.handling import Call
    from qunguan.gateway.moderation import group_admin_users

    group_account = account(event.get("group_id")) or ""
    user_id = account(event.get("user_id")) or ""
    comment = str(event.get("comment") or "")[:300]
    flag = str(event.get("flag") or "")[:200]
    group = (
        Group.objects.select_related("unit")
        .filter(platform="qq", account=group_account)
        .exclude(status=GroupStatus.DISSOLVED)
        .first()
    )
    outcome, reason, person = judge(group, comment, user_id)
    decision = JoinDecision.objects.create(
        self_id=self_id,
        group=group,
        group_account=group_account,
        user_id=user_id,
        comment=comment,
        flag=flag,
        outcome=outcome,
        reason=reason,
        person=person,
    )
    group_name = group.name if group else group_account
    log.append(
        actor=None,
        event=AuditEvent.GATEWAY_JOIN_DECIDED,
        obj=decision,
        unit_path=group.unit.path if group else "",
        summary=f"加群申请（群“{group_name}”，QQ {user_id}）：{decision.get_outcome_display()}，{reason}",
        after={"outcome": outcome, "reason": reason, "person": person.pk if person else None},
    )
    if outcome == JoinOutcome.HOLD:
        if group is not None:
            from qunguan.notify.actions import do_notify

            do_notify(
                group_admin_users(group),
                subject=f"群“{group.name}”有待审核的加群申请",
                body=f"QQ {user_id} 申请加入群“{group.name}”，验证信息：{comment}。{reason}，请在 QQ 中处理。",
                severity="medium",
                key=f"gateway-join-{decision.pk}",
            )
        return []
    params: dict[str, Any] = {"flag": flag, "sub_type": "add", "approve": outcome == JoinOutcome.APPROVE}
    if outcome == JoinOutcome.REJECT:
        params["reason"] = reason
    action = GatewayAction.objects.create(
        kind=ActionKind.JOIN,
        api="set_group_add_request",
        params=params,
        self_id=self_id,
        group=group,
        group_account=group_account,
        user_id=user_id,
        reason=reason[:300],
    )
    return [Call(self_id, action.api, params, action.pk)]
