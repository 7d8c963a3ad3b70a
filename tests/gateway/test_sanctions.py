"""The school-wide sanction list (一处违规，全校联动): one decision, every group the bots manage."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from qunguan.auditlog.events import AuditEvent
from qunguan.auditlog.models import AuditLogEntry
from qunguan.gateway.actions import do_apply_sanction
from qunguan.gateway.models import ActionStatus, BotGroup, GatewayAction, JoinDecision, JoinOutcome
from qunguan.registry.actions import do_register_group
from qunguan.registry.errors import RegistryError
from tests.conftest import Cast
from tests.gateway.conftest import RunningGateway
from tests.gateway.peer import Peer


def _bots_in_groups(cast: Cast) -> None:
    second = do_register_group(
        None,
        platform="qq",
        account="600300400",
        name="作曲系学生群",
        unit=cast.composition,
        member_scope="作曲系学生",
        purpose="通知",
        owner=cast.teacher_a,
        admins=[cast.teacher_a],
    )
    now = timezone.now()
    BotGroup.objects.create(self_id="10001", account="600100200", group=cast.group_a, synced_at=now)
    BotGroup.objects.create(self_id="10001", account="600300400", group=second, synced_at=now)
    BotGroup.objects.create(self_id="10001", account="777000111", group=None, synced_at=now)  # unregistered


def test_supervisor_mutes_an_account_in_every_managed_group(
    live_cast: Cast, gateway: RunningGateway, peer: Peer
) -> None:
    gateway.do(_bots_in_groups, live_cast)
    sanction = gateway.do(
        do_apply_sanction,
        live_cast.supervisor,
        qq="20001",
        kind="mute",
        minutes=1440,
        reason="在多个群散布他人身份证号",
    )
    first = peer.wait_action("set_group_ban", where=lambda a: a.params["group_id"] == 600100200)
    second = peer.wait_action("set_group_ban", where=lambda a: a.params["group_id"] == 600300400)
    assert first.params == {"group_id": 600100200, "user_id": 20001, "duration": 86400}
    assert second.params["user_id"] == 20001
    gateway.settle()
    assert len(peer.named("set_group_ban")) == 2  # not in the unregistered group
    assert set(sanction.actions.values_list("status", flat=True)) == {ActionStatus.OK}
    entry = AuditLogEntry.objects.get(event_type=AuditEvent.GATEWAY_SANCTION_APPLIED)
    assert entry.actor_id == live_cast.supervisor.pk
    assert "涉及 2 个群" in entry.summary


def test_sanctioned_account_is_refused_in_every_group(
    live_cast: Cast, gateway: RunningGateway, peer: Peer
) -> None:
    gateway.do(do_apply_sanction, live_cast.supervisor, qq="30001", kind="kick", reason="冒用他人身份入群")
    peer.send(peer.events.join_request(600100200, 30001, "2023010101 张小明", "flag-s"))
    gateway.wait_events(1)
    assert JoinDecision.objects.get(flag="flag-s").outcome == JoinOutcome.REJECT
    assert peer.wait_action("set_group_add_request").params["reason"] == "该账号已被学校限制加入工作群"


@pytest.mark.parametrize("who", ["manager_a", "head_a", "group_admin", "outsider"])
def test_only_the_supervisor_may_sanction(cast: Cast, who: str) -> None:
    with pytest.raises(RegistryError) as refused:
        do_apply_sanction(getattr(cast, who), qq="20001", kind="mute", minutes=60, reason="理由")
    assert refused.value.code == "out_of_scope"
    assert not GatewayAction.objects.exists()


@pytest.mark.parametrize(
    ("qq", "kind", "minutes", "reason", "field"),
    [
        ("abc", "mute", 60, "理由", "qq"),
        ("20001", "ban", 60, "理由", "kind"),
        ("20001", "mute", 0, "理由", "minutes"),
        ("20001", "mute", 60, "  ", "reason"),
    ],
)
def test_bad_sanction_is_refused_naming_the_field(
    cast: Cast, qq: str, kind: str, minutes: int, reason: str, field: str
) -> None:
    with pytest.raises(RegistryError) as refused:
        do_apply_sanction(cast.supervisor, qq=qq, kind=kind, minutes=minutes, reason=reason)
    assert refused.value.field == field


def test_sanction_command_queues_the_actions(cast: Cast, capsys: pytest.CaptureFixture[str]) -> None:
    _bots_in_groups(cast)
    call_command("sanction", "20001", "--reason", "屡次发布涉密文件", "--as", "xcb", "--minutes", "60")
    assert "涉及 2 个群" in capsys.readouterr().out
    queued = GatewayAction.objects.filter(status=ActionStatus.QUEUED)
    assert queued.count() == 2
    assert {a.params["duration"] for a in queued} == {3600}
    with pytest.raises(CommandError, match="只有党委宣传部"):
        call_command("sanction", "20001", "--reason", "x", "--as", "zuoqu")
