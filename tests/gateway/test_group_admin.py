"""Group announcements (群公告) and member cards (群名片) set from qunguan, sent by the bot."""

from __future__ import annotations

import pytest
from django.utils import timezone

from qunguan.auditlog.events import AuditEvent
from qunguan.auditlog.models import AuditLogEntry
from qunguan.gateway.actions import do_post_announcement, do_set_member_card
from qunguan.gateway.models import ActionStatus, BotGroup
from qunguan.registry.errors import RegistryError
from tests.conftest import Cast
from tests.gateway.conftest import RunningGateway
from tests.gateway.peer import Peer


def _bot_in_group_a(cast: Cast) -> None:
    BotGroup.objects.create(
        self_id="10001", account="600100200", group=cast.group_a, synced_at=timezone.now()
    )


def test_group_admin_posts_an_announcement_the_bot_publishes(
    live_cast: Cast, gateway: RunningGateway, peer: Peer
) -> None:
    gateway.do(_bot_in_group_a, live_cast)
    action = gateway.do(
        do_post_announcement, live_cast.group_admin, live_cast.group_a, text="下周一上午九点全体教职工大会"
    )
    sent = peer.wait_action("_send_group_notice")
    assert sent.params == {"group_id": 600100200, "content": "下周一上午九点全体教职工大会"}
    gateway.settle()
    action.refresh_from_db()
    assert action.status == ActionStatus.OK
    assert AuditLogEntry.objects.filter(event_type=AuditEvent.GATEWAY_ANNOUNCEMENT_POSTED).count() == 1


def test_unit_manager_sets_a_members_card(live_cast: Cast, gateway: RunningGateway, peer: Peer) -> None:
    gateway.do(_bot_in_group_a, live_cast)
    gateway.do(do_set_member_card, live_cast.manager_a, live_cast.group_a, qq="20002", card="作曲系-张小明")
    sent = peer.wait_action("set_group_card")
    assert sent.params == {"group_id": 600100200, "user_id": 20002, "card": "作曲系-张小明"}


@pytest.mark.parametrize("who", ["manager_b", "head_a", "outsider"])
def test_others_may_not_speak_for_the_group(cast: Cast, who: str) -> None:
    _bot_in_group_a(cast)
    with pytest.raises(RegistryError) as refused:
        do_post_announcement(getattr(cast, who), cast.group_a, text="通知")
    assert refused.value.code == "out_of_scope"


def test_announcement_needs_a_bot_in_the_group(cast: Cast) -> None:
    with pytest.raises(RegistryError) as refused:
        do_post_announcement(cast.manager_a, cast.group_a, text="通知")
    assert refused.value.code == "bad_state"


def test_wechat_group_has_no_bot(cast: Cast) -> None:
    with pytest.raises(RegistryError) as refused:
        do_post_announcement(cast.manager_b, cast.group_b, text="通知")
    assert refused.value.field == "group"


def test_empty_announcement_is_refused(cast: Cast) -> None:
    _bot_in_group_a(cast)
    with pytest.raises(RegistryError) as refused:
        do_post_announcement(cast.manager_a, cast.group_a, text="  ")
    assert refused.value.field == "text"
