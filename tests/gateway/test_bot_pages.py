"""The bot pages (QQ机器人): bot accounts and their groups, announcements and cards from a group's
page, and the supervisor's sanction list — scoped by the user's units, through the actions."""

from __future__ import annotations

import datetime as dt
import json
import time
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from qunguan.auditlog.events import AuditEvent
from qunguan.auditlog.models import AuditLogEntry
from qunguan.gateway import presence
from qunguan.gateway.actions import do_apply_sanction, do_lift_sanction
from qunguan.gateway.joins import judge
from qunguan.gateway.models import (
    ActionKind,
    ActionStatus,
    BotAccount,
    BotGroup,
    GatewayAction,
    JoinOutcome,
    Sanction,
)
from qunguan.gateway.server import GatewayConfig
from qunguan.registry.actions import do_register_group
from qunguan.registry.errors import RegistryError
from tests.conftest import Cast
from tests.gateway.conftest import TOKEN, RunningGateway
from tests.gateway.peer import Events, ForwardPeer, Peer

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


@pytest.fixture
def client_for() -> Callable[[Any], Client]:
    def make(user: Any) -> Client:
        client = Client()
        client.force_login(user, backend=MODEL_BACKEND)
        return client

    return make


def _bots(cast: Cast) -> None:
    """Bot 10001 sits in group A and an unregistered group; bot 10002 in a group of 声乐系."""
    vocal_qq = do_register_group(
        None,
        platform="qq",
        account="700100200",
        name="声乐系学生群",
        unit=cast.vocal,
        member_scope="声乐系学生",
        purpose="通知",
        owner=cast.teacher_b,
        admins=[cast.teacher_b],
    )
    now = timezone.now()
    BotGroup.objects.create(
        self_id="10001", account="600100200", name="作曲系教职工群", group=cast.group_a, synced_at=now
    )
    BotGroup.objects.create(
        self_id="10001", account="777000111", name="某未登记群", group=None, synced_at=now
    )
    BotGroup.objects.create(
        self_id="10002", account="700100200", name="声乐系学生群", group=vocal_qq, synced_at=now
    )
    presence.mark_connected("10001", "reverse")
    BotAccount.objects.create(
        self_id="10002", transport="reverse", connected=False, last_seen=now - dt.timedelta(hours=2)
    )
    GatewayAction.objects.create(
        kind=ActionKind.MUTE,
        api="set_group_ban",
        self_id="10001",
        group=cast.group_a,
        group_account="600100200",
        user_id="20001234",
        status=ActionStatus.FAILED,
        retcode=102,
        error="机器人不是管理员",
    )
    GatewayAction.objects.create(
        kind=ActionKind.RECALL,
        api="delete_msg",
        self_id="10002",
        group=vocal_qq,
        group_account="700100200",
        user_id="30005678",
        status=ActionStatus.TIMEOUT,
        error="等待响应超时",
    )


# --- the QQ机器人 page ---------------------------------------------------------------------


def test_supervisor_sees_every_bot_its_groups_and_failed_actions(cast: Cast, client_for: Any) -> None:
    _bots(cast)
    page = client_for(cast.supervisor).get(reverse("bot_list")).content.decode()
    assert 'id="bot-10001"' in page
    assert 'id="bot-10002"' in page
    assert "某未登记群" in page
    assert "未登记" in page
    assert reverse("bot_group", args=[cast.group_a.pk]) in page
    assert "机器人不是管理员" in page
    assert ">102<" in page
    assert "等待响应超时" in page
    assert "20001234" in page  # the supervisor sees the accounts in full


def test_connected_and_disconnected_bots_are_told_apart(cast: Cast, client_for: Any) -> None:
    _bots(cast)
    page = client_for(cast.supervisor).get(reverse("bot_list")).content.decode()
    first = page[page.index('id="bot-10001"') : page.index('id="bot-10002"')]
    second = page[page.index('id="bot-10002"') :]
    assert "已连接" in first
    assert "未连接" in second.split("</h2>")[0]


def test_a_bot_whose_gateway_went_quiet_is_not_shown_connected(cast: Cast) -> None:
    presence.mark_connected("10001", "reverse")
    BotAccount.objects.filter(self_id="10001").update(last_seen=timezone.now() - presence.STALE * 2)
    assert presence.connected_ids() == set()


def test_unit_manager_sees_only_bots_and_actions_of_its_units_groups(cast: Cast, client_for: Any) -> None:
    _bots(cast)
    page = client_for(cast.manager_a).get(reverse("bot_list")).content.decode()
    assert 'id="bot-10001"' in page
    assert 'id="bot-10002"' not in page  # sits only in a 声乐系 group
    assert "某未登记群" not in page  # unregistered groups: the supervisor's
    assert "机器人不是管理员" in page
    assert "等待响应超时" not in page


def test_group_admin_sees_masked_accounts(cast: Cast, client_for: Any) -> None:
    _bots(cast)
    page = client_for(cast.group_admin).get(reverse("bot_list")).content.decode()
    assert "机器人不是管理员" in page
    assert "20001234" not in page
    assert "200***34" in page


def test_outsider_sees_no_bot(cast: Cast, client_for: Any) -> None:
    _bots(cast)
    page = client_for(cast.outsider).get(reverse("bot_list")).content.decode()
    assert "bot-10001" not in page
    assert "机器人不是管理员" not in page
    assert "您的管理范围内还没有机器人账号" in page


# --- announcements and cards from a group's page ----------------------------------------------


def test_group_admin_posts_an_announcement_from_the_groups_bot_page(cast: Cast, client_for: Any) -> None:
    _bots(cast)
    client = client_for(cast.group_admin)
    response = client.post(
        reverse("bot_announce", args=[cast.group_a.pk]), {"text": "周五下午三点教研室会议"}, follow=True
    )
    assert "群公告已提交，机器人账号 10001 将在几秒内执行" in response.content.decode()
    action = GatewayAction.objects.get(kind=ActionKind.ANNOUNCE)
    assert action.status == ActionStatus.QUEUED
    assert action.params == {"group_id": 600100200, "content": "周五下午三点教研室会议"}
    entry = AuditLogEntry.objects.get(event_type=AuditEvent.GATEWAY_ANNOUNCEMENT_POSTED)
    assert entry.actor_id == cast.group_admin.pk


def test_manager_sets_a_card_and_is_told_the_bot_is_not_connected(cast: Cast, client_for: Any) -> None:
    _bots(cast)
    BotAccount.objects.filter(self_id="10001").update(connected=False)
    response = client_for(cast.manager_a).post(
        reverse("bot_card", args=[cast.group_a.pk]), {"qq": "20002", "card": "作曲系-张小明"}, follow=True
    )
    assert "群名片修改已提交，但机器人账号 10001 当前未连接：操作已排队，机器人连接网关后自动执行。" in (
        response.content.decode()
    )
    assert GatewayAction.objects.get(kind=ActionKind.CARD).params["card"] == "作曲系-张小明"
    assert AuditLogEntry.objects.filter(event_type=AuditEvent.GATEWAY_CARD_SET).count() == 1


def test_group_without_a_bot_gets_a_clear_refusal(cast: Cast, client_for: Any) -> None:
    response = client_for(cast.manager_a).post(
        reverse("bot_announce", args=[cast.group_a.pk]), {"text": "通知"}
    )
    assert response.status_code == 400
    assert "还没有机器人账号在群“作曲系教职工群”中（请让机器人入群并设为管理员，等待同步）。" in (
        response.content.decode()
    )
    assert not GatewayAction.objects.exists()


def test_bad_card_number_names_the_field(cast: Cast, client_for: Any) -> None:
    _bots(cast)
    response = client_for(cast.manager_a).post(
        reverse("bot_card", args=[cast.group_a.pk]), {"qq": "12ab", "card": "张三"}
    )
    assert response.status_code == 400
    assert "QQ号“12ab”应为5到12位数字" in response.content.decode()


@pytest.mark.parametrize("who", ["head_a", "manager_b", "outsider"])
def test_others_may_not_announce_in_group_a(cast: Cast, client_for: Any, who: str) -> None:
    _bots(cast)
    response = client_for(getattr(cast, who)).post(
        reverse("bot_announce", args=[cast.group_a.pk]), {"text": "通知"}
    )
    assert response.status_code == (403 if who == "head_a" else 404)
    assert not GatewayAction.objects.filter(kind=ActionKind.ANNOUNCE).exists()


def test_unit_head_sees_the_groups_bot_page_without_forms(cast: Cast, client_for: Any) -> None:
    _bots(cast)
    page = client_for(cast.head_a).get(reverse("bot_group", args=[cast.group_a.pk])).content.decode()
    assert "10001" in page
    assert "机器人不是管理员" in page
    assert "announce-form" not in page
    assert "card-form" not in page


# --- the sanction list ----------------------------------------------------------------------


def test_supervisor_applies_a_sanction_from_the_page(cast: Cast, client_for: Any) -> None:
    _bots(cast)
    response = client_for(cast.supervisor).post(
        reverse("sanction_list"),
        {"qq": "20001", "kind": "mute", "minutes": "120", "reason": "多次在群内发布他人手机号"},
        follow=True,
    )
    assert "已对 QQ 20001 实施“全校禁言”，涉及 2 个群" in response.content.decode()
    sanction = Sanction.objects.get()
    assert sanction.minutes == 120
    assert sorted(sanction.actions.values_list("group_account", flat=True)) == ["600100200", "700100200"]


def test_a_sanction_without_a_reason_is_refused_on_the_page(cast: Cast, client_for: Any) -> None:
    response = client_for(cast.supervisor).post(
        reverse("sanction_list"), {"qq": "20001", "kind": "kick", "reason": ""}
    )
    assert response.status_code == 400
    assert not Sanction.objects.exists()


def test_supervisor_lifts_a_mute_everywhere(cast: Cast, client_for: Any) -> None:
    _bots(cast)
    sanction = do_apply_sanction(cast.supervisor, qq="20001", kind="mute", minutes=60, reason="散布谣言")
    response = client_for(cast.supervisor).post(
        reverse("sanction_lift", args=[sanction.pk]), {"reason": "经核实为误判"}, follow=True
    )
    assert "已解除对 QQ 20001 的处置。" in response.content.decode()
    sanction.refresh_from_db()
    assert sanction.lifted_at is not None
    assert sanction.lifted_by == cast.supervisor
    # the two mutes not yet sent are cancelled; an unmute (duration 0) is queued for each group
    statuses = sorted(sanction.actions.values_list("status", "params__duration"))
    assert statuses == [
        (ActionStatus.CANCELLED, 3600),
        (ActionStatus.CANCELLED, 3600),
        (ActionStatus.QUEUED, 0),
        (ActionStatus.QUEUED, 0),
    ]
    entry = AuditLogEntry.objects.get(event_type=AuditEvent.GATEWAY_SANCTION_LIFTED)
    assert entry.actor_id == cast.supervisor.pk
    assert "经核实为误判" in entry.summary


def test_a_lifted_removal_lets_the_account_ask_to_join_again(cast: Cast) -> None:
    sanction = do_apply_sanction(cast.supervisor, qq="20001", kind="kick", reason="冒用他人身份")
    assert judge(cast.group_a, "2023010101 张小明", "20001")[0] == JoinOutcome.REJECT
    do_lift_sanction(cast.supervisor, sanction, reason="已核实身份")
    assert judge(cast.group_a, "2023010101 张小明", "20001")[0] == JoinOutcome.APPROVE


def test_a_sanction_is_lifted_once(cast: Cast) -> None:
    sanction = do_apply_sanction(cast.supervisor, qq="20001", kind="kick", reason="冒用他人身份")
    do_lift_sanction(cast.supervisor, sanction, reason="已核实")
    with pytest.raises(RegistryError) as refused:
        do_lift_sanction(cast.supervisor, sanction, reason="再次解除")
    assert refused.value.code == "bad_state"


@pytest.mark.parametrize("who", ["manager_a", "head_a", "group_admin", "outsider"])
def test_only_the_supervisor_may_lift(cast: Cast, who: str) -> None:
    sanction = do_apply_sanction(cast.supervisor, qq="20001", kind="kick", reason="冒用他人身份")
    with pytest.raises(RegistryError) as refused:
        do_lift_sanction(getattr(cast, who), sanction, reason="解除")
    assert refused.value.code == "out_of_scope"


def test_lifting_needs_a_reason(cast: Cast) -> None:
    sanction = do_apply_sanction(cast.supervisor, qq="20001", kind="kick", reason="冒用他人身份")
    with pytest.raises(RegistryError) as refused:
        do_lift_sanction(cast.supervisor, sanction, reason=" ")
    assert refused.value.field == "reason"


# --- end to end with the running gateway and a OneBot peer on loopback -------------------------


def _wait_connected(gateway: RunningGateway, self_id: str, connected: bool = True) -> None:
    deadline = time.monotonic() + 5
    while gateway.do(lambda: self_id in presence.connected_ids()) != connected:
        assert time.monotonic() < deadline, f"bot {self_id} never became connected={connected}"
        time.sleep(0.05)


def test_a_connecting_bot_is_recorded_and_its_leaving_too(live_cast: Cast, gateway: RunningGateway) -> None:
    peer = gateway.peer(self_id=10009)
    _wait_connected(gateway, "10009")
    peer.close()
    _wait_connected(gateway, "10009", connected=False)
    bot = gateway.do(lambda: BotAccount.objects.get(self_id="10009"))
    assert bot.transport == "reverse"
    assert bot.disconnected_at is not None


def test_an_announcement_from_the_web_reaches_the_bot(
    live_cast: Cast, gateway: RunningGateway, peer: Peer, client_for: Any
) -> None:
    _wait_connected(gateway, "10001")
    gateway.do(
        lambda: BotGroup.objects.create(
            self_id="10001", account="600100200", group=live_cast.group_a, synced_at=timezone.now()
        )
    )
    client = client_for(live_cast.group_admin)
    response = gateway.do(
        lambda: client.post(reverse("bot_announce", args=[live_cast.group_a.pk]), {"text": "明天放假"})
    )
    assert response.status_code == 302
    assert peer.wait_action("_send_group_notice").params == {"group_id": 600100200, "content": "明天放假"}
    gateway.settle()
    assert gateway.do(lambda: GatewayAction.objects.get(kind=ActionKind.ANNOUNCE).status) == ActionStatus.OK


def test_actions_for_a_disconnected_bot_wait_until_it_connects(
    live_cast: Cast, gateway: RunningGateway
) -> None:
    gateway.do(
        lambda: BotGroup.objects.create(
            self_id="10001", account="600100200", group=live_cast.group_a, synced_at=timezone.now()
        )
    )
    gateway.do(do_apply_sanction, live_cast.supervisor, qq="20001", kind="mute", minutes=10, reason="刷屏")
    time.sleep(1.5)  # the gateway polls its queue every second: nothing is claimed for an absent bot
    assert gateway.do(lambda: GatewayAction.objects.get().status) == ActionStatus.QUEUED
    peer = gateway.peer(self_id=10001)
    try:
        assert peer.wait_action("set_group_ban", timeout=5).params["duration"] == 600
    finally:
        peer.close()


def test_a_bot_posting_over_http_is_shown_connected(live_cast: Cast, gateway: RunningGateway) -> None:
    event = Events(10005).group_message(600100200, 20001, "明早八点集合")
    request = urllib.request.Request(  # noqa: S310 (http on loopback)
        gateway.http_url,
        data=json.dumps(event, ensure_ascii=False).encode(),
        headers={
            "Content-Type": "application/json",
            "X-Self-ID": "10005",
            "Authorization": f"Bearer {TOKEN}",
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
        assert response.status == 204
    _wait_connected(gateway, "10005")
    assert gateway.do(lambda: BotAccount.objects.get(self_id="10005").transport) == "http"


def test_a_forward_connection_is_recorded(live_cast: Cast) -> None:
    peer = ForwardPeer(token=TOKEN).start()
    running = RunningGateway(GatewayConfig(token=TOKEN, api_timeout=1.0, forward_urls=[peer.url]))
    try:
        _wait_connected(running, str(peer.self_id))
        assert running.do(lambda: BotAccount.objects.get(self_id=str(peer.self_id)).transport) == "forward"
    finally:
        running.stop()
        peer.stop()


def test_sanction_command_lifts_what_is_in_force(cast: Cast, capsys: pytest.CaptureFixture[str]) -> None:
    do_apply_sanction(cast.supervisor, qq="20001", kind="kick", reason="冒用他人身份")
    call_command("sanction", "20001", "--lift", "--reason", "已核实身份", "--as", "xcb")
    assert "已解除 QQ 20001 的 1 项处置。" in capsys.readouterr().out
    assert Sanction.objects.get().lifted_at is not None
    with pytest.raises(CommandError, match="QQ 20001 没有生效中的处置。"):
        call_command("sanction", "20001", "--lift", "--reason", "再次", "--as", "xcb")
