"""Join requests (加群申请, 1(3) 实名准入) checked against the roster and the group's scope."""

from __future__ import annotations

import pytest

from qunguan.auditlog.events import AuditEvent
from qunguan.auditlog.models import AuditLogEntry
from qunguan.gateway.joins import read_comment
from qunguan.gateway.models import JoinDecision, JoinOutcome
from qunguan.notify.models import Notification
from tests.conftest import Cast
from tests.gateway.conftest import RunningGateway
from tests.gateway.peer import Peer

GROUP_A = 600100200  # 作曲系教职工群, scope: 作曲系 (teacher_a T1001 王建国, student_a 2023010101 张小明)


@pytest.mark.parametrize(
    ("comment", "number"),
    [
        ("2023010101 张小明", "2023010101"),
        ("张小明2023010101", "2023010101"),
        ("问题：请填写学号和姓名\n答案：2023010101张小明", "2023010101"),
        ("工号t1001 王建国", "T1001"),
        ("老师您好，我是新来的", None),
        ("电话13800138000", "13800138000"),
        ("", None),
    ],
)
def test_comment_is_read_for_the_number(comment: str, number: str | None) -> None:
    assert read_comment(comment)[0] == number


def test_answer_text_follows_the_question() -> None:
    assert read_comment("问题：学号姓名？\n答案：2023010101 张小明") == ("2023010101", "2023010101 张小明")


def _decide(gateway: RunningGateway, peer: Peer, comment: str, flag: str) -> JoinDecision:
    peer.send(peer.events.join_request(GROUP_A, 30001, comment, flag))
    gateway.wait_events(1)
    return JoinDecision.objects.get(flag=flag)


def test_roster_member_of_the_groups_unit_is_approved(
    gateway: RunningGateway, peer: Peer, live_cast: Cast
) -> None:
    decision = _decide(gateway, peer, "问题：学号+姓名\n答案：2023010101 张小明", "flag-1")
    answer = peer.wait_action("set_group_add_request")
    assert answer.params == {"flag": "flag-1", "sub_type": "add", "approve": True}
    assert decision.outcome == JoinOutcome.APPROVE
    assert decision.person == live_cast.student_a
    assert AuditLogEntry.objects.filter(event_type=AuditEvent.GATEWAY_JOIN_DECIDED).count() == 1


def test_number_with_someone_elses_name_is_rejected_with_the_reason(
    gateway: RunningGateway, peer: Peer
) -> None:
    decision = _decide(gateway, peer, "2023010101 李四", "flag-2")
    answer = peer.wait_action("set_group_add_request")
    assert answer.params == {
        "flag": "flag-2",
        "sub_type": "add",
        "approve": False,
        "reason": "学号/工号 2023010101 与姓名不符",
    }
    assert decision.outcome == JoinOutcome.REJECT


def test_person_outside_the_groups_scope_is_rejected(gateway: RunningGateway, peer: Peer) -> None:
    decision = _decide(gateway, peer, "T2001 李秀兰", "flag-3")  # 声乐系, not 作曲系
    answer = peer.wait_action("set_group_add_request")
    assert answer.params["approve"] is False
    assert answer.params["reason"] == "不在本群成员范围内（作曲系全体教职工）"
    assert decision.outcome == JoinOutcome.REJECT


def test_number_without_a_name_is_rejected_asking_for_it(gateway: RunningGateway, peer: Peer) -> None:
    _decide(gateway, peer, "学号 2023010101", "flag-7")
    assert peer.wait_action("set_group_add_request").params["reason"] == "请在验证信息中同时填写姓名"


def test_comment_without_a_number_is_rejected_asking_for_one(gateway: RunningGateway, peer: Peer) -> None:
    _decide(gateway, peer, "我是新来的老师", "flag-4")
    answer = peer.wait_action("set_group_add_request")
    assert answer.params["reason"] == "请在验证信息中填写学号或工号和姓名，例如：2023010101 张三"


def test_number_not_in_the_roster_is_held_for_an_admin(
    gateway: RunningGateway, peer: Peer, live_cast: Cast
) -> None:
    decision = _decide(gateway, peer, "2099999999 赵六", "flag-5")
    gateway.settle()
    assert decision.outcome == JoinOutcome.HOLD
    assert peer.named("set_group_add_request") == []
    told = Notification.objects.filter(recipient=live_cast.group_admin)
    assert told.filter(subject__contains="待审核的加群申请").exists()


def test_unknown_number_is_rejected_when_the_policy_says_so(
    gateway: RunningGateway, peer: Peer, settings: object
) -> None:
    settings.QUNGUAN_GATEWAY_JOIN_UNKNOWN = "reject"  # type: ignore[attr-defined]
    decision = _decide(gateway, peer, "2099999999 赵六", "flag-6")
    assert decision.outcome == JoinOutcome.REJECT
    assert peer.wait_action("set_group_add_request").params["reason"] == "学号/工号 2099999999 不在花名册中"
